package fsm

import (
	"errors"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

func TestTopUpRegion_PromotesOldestStandby(t *testing.T) {
	l := newPool(t)
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"spare0.test"}, Region: "local", Standby: true}) // newer than spare1, spare2
	l.mustApply(TypeRecordVerdicts, RecordVerdicts{Checks: []DomainCheck{{Domain: "a.test", Record: listing("dbl", l.clock, true)}}})

	res := l.mustApply(TypeTopUpRegion, TopUpRegion{Region: "local", MinActive: 3})

	if len(res.Domains) != 2 || res.Domains[0].Name != "spare1.test" || res.Domains[1].Name != "spare2.test" {
		t.Fatalf("promoted = %+v, want spare1.test and spare2.test", res.Domains)
	}
	for _, name := range []string{"spare1.test", "spare2.test"} {
		d := l.state().Domains[name]
		if d.Status != state.Active || d.ActivatedAt != l.clock || d.Serial != 2 {
			t.Errorf("%s = %+v, want active since %s with serial 2", name, d, l.clock)
		}
	}
	if got := l.state().Domains["spare0.test"].Status; got != state.Standby {
		t.Errorf("spare0.test = %s, want %s", got, state.Standby)
	}
}

func TestTopUpRegion_TwiceIsOnce(t *testing.T) {
	l := newPool(t)
	body := TopUpRegion{Region: "local", MinActive: 3}
	l.mustApply(TypeTopUpRegion, body)
	res := l.mustApply(TypeTopUpRegion, body)

	if len(res.Domains) != 0 {
		t.Errorf("second top-up promoted %+v, want nothing", res.Domains)
	}
	if got := len(l.state().ActiveDomains("local")); got != 3 {
		t.Errorf("active domains = %d, want 3", got)
	}
}

func TestTopUpRegion_NoStandbyLeft(t *testing.T) {
	l := newPool(t)
	res := l.mustApply(TypeTopUpRegion, TopUpRegion{Region: "local", MinActive: 10})
	if len(res.Domains) != 2 {
		t.Errorf("promoted %d, want the 2 standby domains", len(res.Domains))
	}
	if resp := l.apply(TypeTopUpRegion, TopUpRegion{Region: "local", MinActive: 0}); !errors.Is(resp.Err, ErrInvalid) {
		t.Errorf("minimum 0: error = %v, want %v", resp.Err, ErrInvalid)
	}
}

func TestFinishRetiring_AfterGrace(t *testing.T) {
	l := newPool(t)
	l.mustApply(TypeRecordVerdicts, RecordVerdicts{Checks: []DomainCheck{{Domain: "a.test", Record: listing("dbl", l.clock, true)}}})
	retiring := l.state().Domains["a.test"]

	// The log's clock moves one second per entry, so a grace of one hour
	// has not passed yet.
	res := l.mustApply(TypeFinishRetiring, FinishRetiring{Names: []string{"a.test", "b.test"}, Grace: time.Hour})
	if len(res.Domains) != 0 || l.state().Domains["a.test"].Status != state.Retiring {
		t.Fatalf("retired before the grace period: %+v", res.Domains)
	}

	res = l.mustApply(TypeFinishRetiring, FinishRetiring{Names: []string{"a.test", "b.test"}, Grace: time.Second})
	d := l.state().Domains["a.test"]
	if len(res.Domains) != 1 || d.Status != state.Retired {
		t.Fatalf("after the grace period: result %+v, domain %+v; want a.test retired", res.Domains, d)
	}
	if d.Reason != retiring.Reason || d.Serial != retiring.Serial+1 {
		t.Errorf("retired domain = %+v, want the listing's reason and one serial bump", d)
	}
	if got := l.state().Domains["b.test"].Status; got != state.Active {
		t.Errorf("b.test = %s, want active", got)
	}
}

func TestRetireExposed_OnlyOldActive(t *testing.T) {
	l := newPool(t)
	res := l.mustApply(TypeRetireExposed, RetireExposed{Name: "a.test", MaxExposure: time.Hour})
	if len(res.Domains) != 0 {
		t.Fatalf("retired a domain exposed for seconds: %+v", res.Domains)
	}
	res = l.mustApply(TypeRetireExposed, RetireExposed{Name: "a.test", MaxExposure: time.Second})
	if len(res.Domains) != 1 || l.state().Domains["a.test"].Status != state.Retiring {
		t.Fatalf("result %+v: want a.test retiring", res.Domains)
	}
	res = l.mustApply(TypeRetireExposed, RetireExposed{Name: "spare1.test", MaxExposure: time.Second})
	if len(res.Domains) != 0 {
		t.Errorf("retired a standby domain: %+v", res.Domains)
	}
}
