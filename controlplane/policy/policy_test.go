package policy

import (
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func testState() *state.State {
	s := state.New()
	add := func(name, region string, status state.DomainStatus, activated, retiring time.Time) {
		s.Domains[name] = state.Domain{Name: name, Region: region, Status: status, ActivatedAt: activated, RetiringAt: retiring, UpdatedAt: t0}
	}
	add("a.test", "eu", state.Active, t0.Add(-48*time.Hour), time.Time{})
	add("b.test", "eu", state.Standby, time.Time{}, time.Time{})
	add("c.test", "us", state.Retiring, t0.Add(-100*time.Hour), t0.Add(-2*time.Hour))
	add("d.test", "us", state.Retired, t0.Add(-100*time.Hour), t0.Add(-50*time.Hour))
	return s
}

func TestRetires_DefaultCategories(t *testing.T) {
	c := Config{}.WithDefaults()
	tests := []struct {
		cats []string
		want bool
	}{
		{[]string{"dbl-spam"}, true},
		{[]string{"dbl-botnet-cc"}, false},
		{[]string{"dbl-abused-spam"}, false},
		{[]string{"uribl-grey", "uribl-black"}, true},
		{[]string{"uribl-grey"}, false},
		{[]string{"surbl-dm"}, true},
		{[]string{"surbl-ph"}, false},
		{[]string{"disposable"}, true},
		{nil, false},
	}
	for _, tt := range tests {
		if got := c.Retires(tt.cats); got != tt.want {
			t.Errorf("Retires(%v) = %v, want %v", tt.cats, got, tt.want)
		}
	}
}

func TestShortages(t *testing.T) {
	c := Config{MinActive: 1, RegionMinActive: map[string]int{"eu": 2}}.WithDefaults()
	got := c.Shortages(testState())
	want := []Shortage{
		{Region: "eu", Active: 1, Standby: 1, MinActive: 2},
		{Region: "us", Active: 0, Standby: 0, MinActive: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("shortages = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("shortage %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDoneRetiringAndOverexposed(t *testing.T) {
	c := Config{RetiringGrace: time.Hour, MaxExposure: 24 * time.Hour}.WithDefaults()
	if got := c.DoneRetiring(testState(), t0); len(got) != 1 || got[0] != "c.test" {
		t.Errorf("done retiring = %v, want [c.test]", got)
	}
	c.RetiringGrace = 3 * time.Hour
	if got := c.DoneRetiring(testState(), t0); len(got) != 0 {
		t.Errorf("done retiring with a 3h grace = %v, want none", got)
	}
	if got := c.Overexposed(testState(), t0); len(got) != 1 || got[0] != "a.test" {
		t.Errorf("overexposed = %v, want [a.test]", got)
	}
	c.MaxExposure = 0
	if got := c.Overexposed(testState(), t0); len(got) != 0 {
		t.Errorf("overexposed with the limit off = %v, want none", got)
	}
}

func TestDue_NeverCheckedSpreadAfterElection(t *testing.T) {
	c := Config{}.WithDefaults()
	s := state.New()
	for i := range 200 {
		name := "d" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".test"
		s.Domains[name] = state.Domain{Name: name, Region: "eu", Status: state.Active}
	}
	lists := []List{{Name: "dbl", Interval: time.Hour}}

	atElection := c.Due(s, lists, t0, t0)
	afterSpread := c.Due(s, lists, t0.Add(MaxInitialSpread), t0)

	if len(atElection) > 10 {
		t.Errorf("%d of 200 checks due at the election, want the checks spread out", len(atElection))
	}
	if len(afterSpread) != 200 {
		t.Errorf("%d checks due after the spread window, want 200", len(afterSpread))
	}
}

func TestDue_IntervalWithJitter(t *testing.T) {
	c := Config{Jitter: 0.2}.WithDefaults()
	s := state.New()
	s.Domains["a.test"] = state.Domain{Name: "a.test", Status: state.Active}
	s.Domains["gone.test"] = state.Domain{Name: "gone.test", Status: state.Retired}
	s.Blocklist["a.test"] = state.DomainChecks{Latest: map[string]state.CheckRecord{"dbl": {CheckedAt: t0}}}
	lists := []List{{Name: "dbl", Interval: time.Hour}}

	if due := c.Due(s, lists, t0.Add(47*time.Minute), t0); len(due) != 0 {
		t.Errorf("due before interval minus jitter: %+v", due)
	}
	due := c.Due(s, lists, t0.Add(time.Hour), t0)
	if len(due) != 1 || due[0].Domain != "a.test" {
		t.Fatalf("due after one interval = %+v, want a.test only", due)
	}
	if due[0].Due.Before(t0.Add(48*time.Minute)) || due[0].Due.After(t0.Add(time.Hour)) {
		t.Errorf("due at %s, want within the last 20%% of the interval", due[0].Due)
	}
}

func TestUsefulLife(t *testing.T) {
	d := state.Domain{ActivatedAt: t0}
	if _, ok := UsefulLife(d, state.DomainChecks{}); ok {
		t.Error("useful life of a domain never listed: got one, want none")
	}
	got, ok := UsefulLife(d, state.DomainChecks{FirstListedAt: t0.Add(36 * time.Hour)})
	if !ok || got != 36*time.Hour {
		t.Errorf("useful life = %s, %v; want 36h", got, ok)
	}
}
