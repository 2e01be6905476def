package fsm

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

func listing(list string, at time.Time, retire bool) state.CheckRecord {
	return state.CheckRecord{List: list, Verdict: state.VerdictListed, Categories: []string{"dbl-spam"},
		Evidence: "127.0.1.2", CheckedAt: at, Retired: retire}
}

func clean(list string, at time.Time) state.CheckRecord {
	return state.CheckRecord{List: list, Verdict: state.VerdictClean, Evidence: "NXDOMAIN", CheckedAt: at}
}

func newPool(t *testing.T) *raftLog {
	t.Helper()
	l := newRaftLog(t)
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"a.test", "b.test"}, Region: "local"})
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"spare1.test", "spare2.test"}, Region: "local", Standby: true})
	return l
}

func TestRecordVerdicts_ListingRetires(t *testing.T) {
	l := newPool(t)
	before := l.state().Domains["a.test"]
	at := l.clock

	res := l.mustApply(TypeRecordVerdicts, RecordVerdicts{Checks: []DomainCheck{{Domain: "A.test", Record: listing("dbl", at, true)}}})

	d := l.state().Domains["a.test"]
	if d.Status != state.Retiring {
		t.Fatalf("status = %s, want %s", d.Status, state.Retiring)
	}
	if d.Reason != "listed by dbl: dbl-spam (127.0.1.2)" {
		t.Errorf("reason = %q, want the listing", d.Reason)
	}
	if d.Serial != before.Serial+1 || d.RetiringAt != l.clock {
		t.Errorf("serial, retiring_at = %d, %s; want %d, %s", d.Serial, d.RetiringAt, before.Serial+1, l.clock)
	}
	if len(res.Domains) != 1 || res.Domains[0].Name != "a.test" {
		t.Errorf("result domains = %+v, want a.test", res.Domains)
	}
	checks := l.state().Checks("a.test")
	if len(checks.History) != 1 || !checks.History[0].Retired || checks.FirstListedAt != l.clock {
		t.Errorf("checks = %+v, want one retiring history entry and the first listing time", checks)
	}
}

func TestRecordVerdicts_SameEntryTwiceRetiresOnce(t *testing.T) {
	l := newPool(t)
	body := RecordVerdicts{Checks: []DomainCheck{{Domain: "a.test", Record: listing("dbl", l.clock, true)}}}
	l.mustApply(TypeRecordVerdicts, body)
	after := l.state().Domains["a.test"]

	res := l.mustApply(TypeRecordVerdicts, body)

	if len(res.Domains) != 0 {
		t.Errorf("second apply retired %+v, want nothing", res.Domains)
	}
	if got := l.state().Domains["a.test"]; got != after {
		t.Errorf("domain after second apply = %+v, want unchanged %+v", got, after)
	}
	if got := len(l.state().Checks("a.test").History); got != 1 {
		t.Errorf("history entries = %d, want 1", got)
	}
}

func TestRecordVerdicts_LaterListingOfRetiringDomain(t *testing.T) {
	l := newPool(t)
	l.mustApply(TypeRecordVerdicts, RecordVerdicts{Checks: []DomainCheck{{Domain: "a.test", Record: listing("dbl", l.clock, true)}}})
	retiring := l.state().Domains["a.test"]

	res := l.mustApply(TypeRecordVerdicts, RecordVerdicts{Checks: []DomainCheck{{Domain: "a.test", Record: listing("uribl", l.clock, true)}}})

	if len(res.Domains) != 0 || l.state().Domains["a.test"] != retiring {
		t.Errorf("a second list's listing changed the retiring domain: %+v", l.state().Domains["a.test"])
	}
	history := l.state().Checks("a.test").History
	if len(history) != 2 || history[1].Retired {
		t.Errorf("history = %+v, want the second listing recorded without retiring again", history)
	}
}

func TestRecordVerdicts_HistoryKeepsChangesOnly(t *testing.T) {
	l := newPool(t)
	start := l.clock
	records := []state.CheckRecord{
		clean("dbl", start.Add(1*time.Minute)),
		clean("dbl", start.Add(2*time.Minute)),
		{List: "dbl", Verdict: state.VerdictNoVerdict, Problem: "resolver", CheckedAt: start.Add(3 * time.Minute)},
		clean("dbl", start.Add(4*time.Minute)),
		listing("dbl", start.Add(5*time.Minute), false),
		clean("dbl", start.Add(30*time.Second)), // older than the latest: ignored
	}
	for _, r := range records {
		l.mustApply(TypeRecordVerdicts, RecordVerdicts{Checks: []DomainCheck{{Domain: "b.test", Record: r}}})
	}

	checks := l.state().Checks("b.test")
	var verdicts []string
	for _, h := range checks.History {
		verdicts = append(verdicts, h.Verdict)
	}
	want := []string{"clean", "no_verdict", "clean", "listed"}
	if len(verdicts) != len(want) {
		t.Fatalf("history verdicts = %v, want %v", verdicts, want)
	}
	for i := range want {
		if verdicts[i] != want[i] {
			t.Fatalf("history verdicts = %v, want %v", verdicts, want)
		}
	}
	if latest := checks.Latest["dbl"]; latest.Verdict != state.VerdictListed {
		t.Errorf("latest = %+v, want the listing", latest)
	}
	if got := l.state().Domains["b.test"].Status; got != state.Active {
		t.Errorf("status after an informational listing = %s, want %s", got, state.Active)
	}
}

func TestRecordVerdicts_HistoryBounded(t *testing.T) {
	l := newPool(t)
	for i := range state.MaxCheckHistory + 10 {
		rec := clean("dbl", l.clock.Add(time.Duration(i)*time.Minute))
		if i%2 == 1 {
			rec = listing("dbl", rec.CheckedAt, false)
		}
		l.mustApply(TypeRecordVerdicts, RecordVerdicts{Checks: []DomainCheck{{Domain: "b.test", Record: rec}}})
	}
	if got := len(l.state().Checks("b.test").History); got != state.MaxCheckHistory {
		t.Errorf("history entries = %d, want %d", got, state.MaxCheckHistory)
	}
}

func TestRecordVerdicts_Rejects(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]RecordVerdicts{
		"no checks":           {},
		"bad domain":          {Checks: []DomainCheck{{Domain: "not a domain", Record: clean("dbl", at)}}},
		"no list":             {Checks: []DomainCheck{{Domain: "a.test", Record: clean("", at)}}},
		"unknown verdict":     {Checks: []DomainCheck{{Domain: "a.test", Record: state.CheckRecord{List: "dbl", Verdict: "maybe", CheckedAt: at}}}},
		"clean that retires":  {Checks: []DomainCheck{{Domain: "a.test", Record: state.CheckRecord{List: "dbl", Verdict: "clean", CheckedAt: at, Retired: true}}}},
		"error that retires":  {Checks: []DomainCheck{{Domain: "a.test", Record: state.CheckRecord{List: "dbl", Verdict: "no_verdict", CheckedAt: at, Retired: true}}}},
		"no check time":       {Checks: []DomainCheck{{Domain: "a.test", Record: clean("dbl", time.Time{})}}},
		"too many categories": {Checks: []DomainCheck{{Domain: "a.test", Record: state.CheckRecord{List: "dbl", Verdict: "listed", CheckedAt: at, Categories: make([]string, 17)}}}},
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			l := newPool(t)
			resp := l.apply(TypeRecordVerdicts, body)
			if !errors.Is(resp.Err, ErrInvalid) {
				t.Errorf("error = %v, want %v", resp.Err, ErrInvalid)
			}
		})
	}
}

func TestRecordVerdicts_UnknownDomainSkipped(t *testing.T) {
	l := newPool(t)
	res := l.mustApply(TypeRecordVerdicts, RecordVerdicts{Checks: []DomainCheck{{Domain: "gone.test", Record: listing("dbl", l.clock, true)}}})
	if len(res.Domains) != 0 || len(l.state().Blocklist) != 0 {
		t.Errorf("result %+v, evidence %+v; want nothing recorded", res, l.state().Blocklist)
	}
}

func TestRecordVerdicts_SurvivesSnapshot(t *testing.T) {
	l := newPool(t)
	l.mustApply(TypeRecordVerdicts, RecordVerdicts{Checks: []DomainCheck{{Domain: "a.test", Record: listing("dbl", l.clock, true)}}})
	restored := snapshotRoundTrip(t, l.fsm)

	got, want := restored.Checks("a.test"), l.state().Checks("a.test")
	if mustJSON(t, got) != mustJSON(t, want) {
		t.Errorf("restored checks = %s, want %s", mustJSON(t, got), mustJSON(t, want))
	}
	if d := restored.Domains["a.test"]; d.RetiringAt.IsZero() || d.ActivatedAt.IsZero() {
		t.Errorf("restored domain %+v lost its status times", d)
	}
}

// snapshotRoundTrip persists the FSM's state and restores it into a new FSM.
func snapshotRoundTrip(t *testing.T, f *FSM) *state.State {
	t.Helper()
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	var sink memorySink
	if err := snap.Persist(&sink); err != nil {
		t.Fatalf("persist: %v", err)
	}
	restored := New()
	if err := restored.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatalf("restore: %v", err)
	}
	return restored.State()
}
