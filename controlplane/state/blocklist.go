package state

import (
	"sort"
	"time"
)

// MaxCheckHistory bounds the evidence history kept per domain; the oldest
// entries go first.
const MaxCheckHistory = 50

// The outcomes a CheckRecord carries, as package blocklist names them.
const (
	VerdictClean     = "clean"
	VerdictListed    = "listed"
	VerdictNoVerdict = "no_verdict"
)

// CheckRecord is the committed outcome of checking one domain against one
// blocklist.
type CheckRecord struct {
	List    string `json:"list"`
	Verdict string `json:"verdict"`
	// Categories name why a listed domain is listed, such as "dbl-spam".
	Categories []string `json:"categories,omitempty"`
	// Evidence is the raw answer of the list.
	Evidence string `json:"evidence,omitempty"`
	// Problem and Detail say why a check gave no verdict.
	Problem   string    `json:"problem,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	CheckedAt time.Time `json:"checked_at"`
	// Retired is set on the record whose listing moved the domain to
	// retiring.
	Retired bool `json:"retired,omitempty"`
}

// SameOutcome reports whether r and o say the same thing: verdict,
// categories, evidence and problem, ignoring when they were checked.
func (r CheckRecord) SameOutcome(o CheckRecord) bool {
	if r.Verdict != o.Verdict || r.Evidence != o.Evidence || r.Problem != o.Problem || len(r.Categories) != len(o.Categories) {
		return false
	}
	for i := range r.Categories {
		if r.Categories[i] != o.Categories[i] {
			return false
		}
	}
	return true
}

// DomainChecks is the blocklist evidence of one pool domain. A published
// DomainChecks is never modified: writers build a new one, so State.Clone
// may share it between states.
type DomainChecks struct {
	// Latest maps each list's name to its latest committed result.
	Latest map[string]CheckRecord `json:"latest"`
	// History holds every change of a list's outcome and every retiring
	// listing, oldest first, at most MaxCheckHistory entries.
	History []CheckRecord `json:"history,omitempty"`
	// FirstListedAt is when a listing first moved the domain to retiring.
	FirstListedAt time.Time `json:"first_listed_at,omitzero"`
}

// Checks returns the blocklist evidence of a domain, empty when none is
// recorded.
func (s *State) Checks(name string) DomainChecks {
	return s.Blocklist[CanonicalName(name)]
}

// PoolCounts is the number of domains of one region in each status.
type PoolCounts struct {
	Region   string `json:"region"`
	Standby  int    `json:"standby"`
	Active   int    `json:"active"`
	Retiring int    `json:"retiring"`
	Retired  int    `json:"retired"`
}

// Pool counts the domains of every region by status, sorted by region.
func (s *State) Pool() []PoolCounts {
	byRegion := map[string]*PoolCounts{}
	for _, d := range s.Domains {
		c := byRegion[d.Region]
		if c == nil {
			c = &PoolCounts{Region: d.Region}
			byRegion[d.Region] = c
		}
		switch d.Status {
		case Standby:
			c.Standby++
		case Active:
			c.Active++
		case Retiring:
			c.Retiring++
		case Retired:
			c.Retired++
		}
	}
	out := make([]PoolCounts, 0, len(byRegion))
	for _, c := range byRegion {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Region < out[j].Region })
	return out
}
