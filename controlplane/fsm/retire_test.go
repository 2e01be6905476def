package fsm

import (
	"errors"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

func TestRetireDomain_GraceMovesToRetiring(t *testing.T) {
	l := newRaftLog(t)
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"mayfly.test"}, Region: "local"})

	l.mustApply(TypeRetireDomain, RetireDomain{Name: "mayfly.test", Reason: "by operator", Grace: true})
	d := l.state().Domains["mayfly.test"]
	if d.Status != state.Retiring || d.Reason != "by operator" {
		t.Fatalf("got status %s reason %q, want retiring with the reason", d.Status, d.Reason)
	}
	if d.RetiringAt != l.clock {
		t.Errorf("retiring_at: got %s, want the command's time %s", d.RetiringAt, l.clock)
	}

	// A repeated request keeps the start of the grace period.
	l.mustApply(TypeRetireDomain, RetireDomain{Name: "mayfly.test", Reason: "by operator", Grace: true})
	if again := l.state().Domains["mayfly.test"]; again.RetiringAt != d.RetiringAt || again.Serial != d.Serial {
		t.Errorf("repeat: got retiring_at %s serial %d, want %s and %d", again.RetiringAt, again.Serial, d.RetiringAt, d.Serial)
	}
}

func TestRetireDomain_GraceEndsInRetired(t *testing.T) {
	l := newRaftLog(t)
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"mayfly.test"}, Region: "local"})
	l.mustApply(TypeRetireDomain, RetireDomain{Name: "mayfly.test", Reason: "by operator", Grace: true})

	early := l.mustApply(TypeFinishRetiring, FinishRetiring{Names: []string{"mayfly.test"}, Grace: time.Hour})
	if len(early.Domains) != 0 || l.state().Domains["mayfly.test"].Status != state.Retiring {
		t.Fatalf("before the grace period: got %+v, want the domain still retiring", early.Domains)
	}
	l.clock = l.clock.Add(time.Hour)
	l.mustApply(TypeFinishRetiring, FinishRetiring{Names: []string{"mayfly.test"}, Grace: time.Hour})
	if got := l.state().Domains["mayfly.test"].Status; got != state.Retired {
		t.Errorf("after the grace period: got %s, want retired", got)
	}
}

func TestRetireDomain_GraceCannotReviveRetired(t *testing.T) {
	l := newRaftLog(t)
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"mayfly.test"}, Region: "local"})
	l.mustApply(TypeRetireDomain, RetireDomain{Name: "mayfly.test", Reason: "listed"})

	resp := l.apply(TypeRetireDomain, RetireDomain{Name: "mayfly.test", Reason: "again", Grace: true})
	if !errors.Is(resp.Err, ErrStatusTransition) {
		t.Errorf("got %v, want ErrStatusTransition", resp.Err)
	}
}
