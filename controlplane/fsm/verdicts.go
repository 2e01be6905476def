package fsm

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// Limits of one record_verdicts entry, which keep a log entry small.
const (
	maxChecksPerCommand = 1000
	maxListNameLength   = 64
	maxCategories       = 16
	maxEvidenceLength   = 512
)

// RecordVerdicts is the body of record_verdicts, which the leader's
// blocklist loop proposes after a round of checks. Each check stores the
// list's latest result for the domain and adds it to the domain's history
// when its outcome differs from the previous one. A check with
// Record.Retired set asks to retire the domain: an active or standby
// domain moves to retiring with the listing as its reason, and a domain
// already retiring or retired stays as it is, so applying the same listing
// twice retires once.
//
// A check that is not newer than the list's latest result for the domain
// changes nothing, which makes a re-proposed entry harmless. A check of a
// domain the pool does not hold is skipped.
type RecordVerdicts struct {
	Checks []DomainCheck `json:"checks"`
}

// DomainCheck is one result in a record_verdicts body.
type DomainCheck struct {
	Domain string            `json:"domain"`
	Record state.CheckRecord `json:"record"`
}

func (c *RecordVerdicts) normalize() error {
	if len(c.Checks) == 0 {
		return reject(ErrInvalid, "no checks given: at least one is required")
	}
	if len(c.Checks) > maxChecksPerCommand {
		return reject(ErrInvalid, "%d checks given: at most %d are allowed at once", len(c.Checks), maxChecksPerCommand)
	}
	for i := range c.Checks {
		if err := c.Checks[i].normalize(); err != nil {
			return err
		}
	}
	return nil
}

func (dc *DomainCheck) normalize() error {
	name, err := CanonicalDomain(dc.Domain)
	if err != nil {
		return err
	}
	dc.Domain = name
	r := &dc.Record
	if r.List == "" || len(r.List) > maxListNameLength {
		return reject(ErrInvalid, "invalid list name %q: it must be 1-%d characters", r.List, maxListNameLength)
	}
	switch r.Verdict {
	case state.VerdictClean, state.VerdictListed, state.VerdictNoVerdict:
	default:
		return reject(ErrInvalid, "invalid verdict %q: it must be %s, %s or %s", r.Verdict,
			state.VerdictClean, state.VerdictListed, state.VerdictNoVerdict)
	}
	if r.Retired && r.Verdict != state.VerdictListed {
		return reject(ErrInvalid, "a %s result of list %s cannot retire domain %s: only a listing can", r.Verdict, r.List, name)
	}
	if r.CheckedAt.IsZero() {
		return reject(ErrInvalid, "the result of list %s for %s has no check time", r.List, name)
	}
	if len(r.Categories) > maxCategories {
		return reject(ErrInvalid, "%d categories given: at most %d are allowed", len(r.Categories), maxCategories)
	}
	r.CheckedAt = r.CheckedAt.UTC()
	r.Evidence = truncate(r.Evidence, maxEvidenceLength)
	r.Detail = truncate(r.Detail, maxEvidenceLength)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func (c *RecordVerdicts) apply(t *txn) (Result, error) {
	var retired []state.Domain
	for _, dc := range c.Checks {
		if d, ok := recordCheck(t, dc); ok {
			retired = append(retired, d)
		}
	}
	return Result{Domains: retired}, nil
}

// recordCheck stores one result and retires the domain when the result
// asks for it and the domain is still in use. It returns the domain and
// true when this result retired it.
func recordCheck(t *txn, dc DomainCheck) (state.Domain, bool) {
	d, ok := t.read().Domains[dc.Domain]
	if !ok {
		return state.Domain{}, false
	}
	checks := t.read().Blocklist[dc.Domain]
	prev, had := checks.Latest[dc.Record.List]
	if had && !dc.Record.CheckedAt.After(prev.CheckedAt) {
		return state.Domain{}, false
	}

	rec := dc.Record
	rec.Retired = rec.Retired && (d.Status == state.Active || d.Status == state.Standby)
	next := state.DomainChecks{
		Latest:        maps.Clone(checks.Latest),
		History:       checks.History,
		FirstListedAt: checks.FirstListedAt,
	}
	if next.Latest == nil {
		next.Latest = map[string]state.CheckRecord{}
	}
	next.Latest[rec.List] = rec
	if !had || !prev.SameOutcome(rec) || rec.Retired {
		next.History = appendHistory(checks.History, rec)
	}
	if rec.Retired && next.FirstListedAt.IsZero() {
		next.FirstListedAt = t.at
	}
	s := t.write()
	s.Blocklist[dc.Domain] = next

	if !rec.Retired {
		return state.Domain{}, false
	}
	d = retireForListing(t, d, rec)
	return d, true
}

// appendHistory returns a new slice with rec after the last
// state.MaxCheckHistory-1 entries of history; history itself is shared
// with published states and is never modified.
func appendHistory(history []state.CheckRecord, rec state.CheckRecord) []state.CheckRecord {
	keep := history[max(0, len(history)-(state.MaxCheckHistory-1)):]
	out := make([]state.CheckRecord, 0, len(keep)+1)
	return append(append(out, keep...), rec)
}

func retireForListing(t *txn, d state.Domain, rec state.CheckRecord) state.Domain {
	reason := fmt.Sprintf("listed by %s: %s (%s)", rec.List, strings.Join(rec.Categories, ", "), rec.Evidence)
	return moveTo(t, d, state.Retiring, truncate(reason, maxReasonLength))
}

// moveTo changes a domain's status and reason, stamps the time and bumps
// its serial.
func moveTo(t *txn, d state.Domain, status state.DomainStatus, reason string) state.Domain {
	d.Serial++
	d.Status = status
	d.Reason = reason
	d.UpdatedAt = t.at
	stampStatus(&d, t.at)
	t.write().Domains[d.Name] = d
	return d
}

// stampStatus records when a domain entered the status it now has.
func stampStatus(d *state.Domain, at time.Time) {
	switch d.Status {
	case state.Active:
		d.ActivatedAt = at
	case state.Retiring:
		d.RetiringAt = at
	}
}

// sortedDomains returns the domains of a region with the given status,
// oldest first and then by name, the order in which the pool uses them.
func sortedDomains(s *state.State, region string, status state.DomainStatus) []state.Domain {
	var out []state.Domain
	for _, d := range s.Domains {
		if d.Region == region && d.Status == status {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b state.Domain) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}
