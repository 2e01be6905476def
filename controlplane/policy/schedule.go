package policy

import (
	"hash/fnv"
	"sort"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// List is a blocklist as the scheduler sees it.
type List struct {
	Name     string
	Interval time.Duration
}

// Check is one due check of a domain against a list.
type Check struct {
	Domain string
	List   string
	Due    time.Time
}

// MaxInitialSpread bounds the window over which never-checked pairs of
// domain and list are spread after a leader takes over.
const MaxInitialSpread = 5 * time.Minute

// Due returns the checks due at now, the longest overdue first, for the
// active and standby domains of s. A pair checked before is due one
// interval after its last check, minus up to Jitter of the interval. A
// pair never checked is due at a point in the first min(interval,
// MaxInitialSpread) after leaderSince.
//
// Every offset comes from a hash of the domain and list names, so a new
// leader computes the same schedule from the replicated check times and
// does not check everything at once after an election.
func (c Config) Due(s *state.State, lists []List, now, leaderSince time.Time) []Check {
	var out []Check
	for _, d := range s.DomainList() {
		if d.Status != state.Active && d.Status != state.Standby {
			continue
		}
		latest := s.Blocklist[d.Name].Latest
		for _, l := range lists {
			due := c.dueAt(d.Name, l, latest, leaderSince)
			if !due.After(now) {
				out = append(out, Check{Domain: d.Name, List: l.Name, Due: due})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out
}

func (c Config) dueAt(domain string, l List, latest map[string]state.CheckRecord, leaderSince time.Time) time.Time {
	f := fraction(domain, l.Name)
	if rec, ok := latest[l.Name]; ok {
		early := time.Duration(float64(l.Interval) * c.Jitter * f)
		return rec.CheckedAt.Add(l.Interval - early)
	}
	spread := min(l.Interval, MaxInitialSpread)
	return leaderSince.Add(time.Duration(float64(spread) * f))
}

// fraction maps a domain and list to a stable number in [0, 1).
func fraction(domain, list string) float64 {
	h := fnv.New64a()
	h.Write([]byte(domain))
	h.Write([]byte{0})
	h.Write([]byte(list))
	return float64(h.Sum64()>>11) / float64(1<<53)
}
