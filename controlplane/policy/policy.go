// Package policy decides what the control plane's leader does to keep the
// domain pool usable: which blocklist checks are due, which listings
// retire a domain, which regions need standby domains promoted, which
// domains have been exposed too long and which retiring domains can
// become retired. It only computes; the leader proposes the resulting
// commands through Raft, where the state machine applies each one
// idempotently.
package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// DefaultRetireCategories are the listing categories that retire a domain
// unless configured otherwise: Spamhaus DBL spam, phishing and malware,
// URIBL black, SURBL's disposable-mail list and any disposable-domain feed.
// Other categories are recorded as evidence and only inform.
var DefaultRetireCategories = []string{"dbl-spam", "dbl-phishing", "dbl-malware", "uribl-black", "surbl-dm", "disposable"}

// Defaults of Config.
const (
	DefaultMinActive     = 1
	DefaultRetiringGrace = 168 * time.Hour
	DefaultJitter        = 0.1
)

// Config is the rotation policy.
type Config struct {
	// RetireCategories are the categories whose listing retires a domain;
	// nil means DefaultRetireCategories.
	RetireCategories []string
	// MinActive is the number of active domains each region keeps by
	// promoting standby domains; RegionMinActive overrides it per region.
	MinActive       int
	RegionMinActive map[string]int
	// MaxExposure retires an active domain after it has been active this
	// long, before any list catches it; zero turns it off.
	MaxExposure time.Duration
	// RetiringGrace is how long a retiring domain keeps its MX, at least
	// the longest lifetime of an inbox.
	RetiringGrace time.Duration
	// Jitter is the fraction of a list's interval by which a check may come
	// early, so that checks of many domains spread out; from 0 to 0.5.
	Jitter float64
}

// WithDefaults fills in the zero values.
func (c Config) WithDefaults() Config {
	if c.RetireCategories == nil {
		c.RetireCategories = DefaultRetireCategories
	}
	if c.MinActive == 0 {
		c.MinActive = DefaultMinActive
	}
	if c.RetiringGrace == 0 {
		c.RetiringGrace = DefaultRetiringGrace
	}
	if c.Jitter == 0 {
		c.Jitter = DefaultJitter
	}
	return c
}

// Validate checks the values that WithDefaults leaves alone.
func (c Config) Validate() error {
	if c.MinActive < 1 {
		return fmt.Errorf("invalid rotation policy: minimum of active domains %d: want 1 or more", c.MinActive)
	}
	for region, n := range c.RegionMinActive {
		if n < 1 {
			return fmt.Errorf("invalid rotation policy: minimum of active domains %d in region %s: want 1 or more", n, region)
		}
	}
	if c.MaxExposure < 0 || c.RetiringGrace < 0 {
		return fmt.Errorf("invalid rotation policy: durations must not be negative")
	}
	if c.Jitter < 0 || c.Jitter > 0.5 {
		return fmt.Errorf("invalid rotation policy: jitter %g: want 0 to 0.5", c.Jitter)
	}
	return nil
}

// Retires reports whether a listing with these categories retires a domain.
func (c Config) Retires(categories []string) bool {
	for _, cat := range categories {
		if slices.Contains(c.RetireCategories, cat) {
			return true
		}
	}
	return false
}

// MinActiveIn returns the minimum of active domains of a region.
func (c Config) MinActiveIn(region string) int {
	if n, ok := c.RegionMinActive[region]; ok {
		return n
	}
	return c.MinActive
}

// Shortage is a region with fewer active domains than its minimum.
type Shortage struct {
	Region    string
	Active    int
	Standby   int
	MinActive int
}

// Shortages lists the regions below their minimum of active domains,
// including those that have no standby domain left to promote, sorted by
// region.
func (c Config) Shortages(s *state.State) []Shortage {
	var out []Shortage
	for _, p := range s.Pool() {
		if want := c.MinActiveIn(p.Region); p.Active < want {
			out = append(out, Shortage{Region: p.Region, Active: p.Active, Standby: p.Standby, MinActive: want})
		}
	}
	return out
}

// Overexposed lists the active domains that have been active for at least
// MaxExposure at now, sorted by name; none when MaxExposure is zero.
func (c Config) Overexposed(s *state.State, now time.Time) []string {
	if c.MaxExposure <= 0 {
		return nil
	}
	var out []string
	for _, d := range s.DomainList() {
		if d.Status == state.Active && !d.ActivatedAt.IsZero() && now.Sub(d.ActivatedAt) >= c.MaxExposure {
			out = append(out, d.Name)
		}
	}
	return out
}

// DoneRetiring lists the retiring domains whose grace period has passed at
// now, sorted by name.
func (c Config) DoneRetiring(s *state.State, now time.Time) []string {
	var out []string
	for _, d := range s.DomainList() {
		if d.Status != state.Retiring {
			continue
		}
		since := d.RetiringAt
		if since.IsZero() {
			since = d.UpdatedAt
		}
		if now.Sub(since) >= c.RetiringGrace {
			out = append(out, d.Name)
		}
	}
	return out
}

// UsefulLife is how long a domain was active before a listing first
// retired it, or false when it has not been both.
func UsefulLife(d state.Domain, checks state.DomainChecks) (time.Duration, bool) {
	if d.ActivatedAt.IsZero() || checks.FirstListedAt.IsZero() || checks.FirstListedAt.Before(d.ActivatedAt) {
		return 0, false
	}
	return checks.FirstListedAt.Sub(d.ActivatedAt), true
}
