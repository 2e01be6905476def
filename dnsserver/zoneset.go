package dnsserver

import (
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// zoneSet is every zone built from one state, keyed by origin. It is never
// modified after it is built.
type zoneSet struct {
	// state is the snapshot the set was built from. The cache compares it by
	// pointer to decide whether to rebuild.
	state *state.State
	zones map[string]*zone
	// refreshAt is when the signatures need renewing, zero when unsigned.
	refreshAt time.Time
	// replies caches the packed replies built from this set.
	replies *replyCache
	// geoName is the name answered by client region, empty without one.
	// Its replies are not cached.
	geoName string
}

// fresh reports whether the set was built from st and its signatures
// need no renewal at now.
func (zs *zoneSet) fresh(st *state.State, now time.Time) bool {
	return zs.state == st && (zs.refreshAt.IsZero() || now.Before(zs.refreshAt))
}

// find returns the zone that is authoritative for name, the one with the
// longest origin that contains it, or nil when no zone contains name. The
// name must be lower-case and fully qualified.
func (zs *zoneSet) find(name string) *zone {
	for off, end := 0, false; !end; off, end = dns.NextLabel(name, off) {
		if z, ok := zs.zones[name[off:]]; ok {
			return z
		}
	}
	return nil
}

// addresses returns the A and AAAA records of host when a zone of the set
// holds them. The host must be lower-case and fully qualified.
func (zs *zoneSet) addresses(host string) []dns.RR {
	z := zs.find(host)
	if z == nil {
		return nil
	}
	return z.addresses(host)
}

// canonicalName returns name lower-cased and fully qualified, the form the
// zones store names in.
func canonicalName(name string) string {
	return strings.ToLower(dns.Fqdn(name))
}

// zoneCache holds the zone set of the latest state returned by source and
// rebuilds it when source returns a different pointer. Readers lock only to
// rebuild.
type zoneCache struct {
	source func() *state.State
	logger *slog.Logger
	geo    Geo
	// now is the clock of the signatures; nil means time.Now.
	now func() time.Time

	// rebuild serialises rebuilds so concurrent queries build a new state
	// once.
	rebuild sync.Mutex
	current atomic.Pointer[zoneSet]
}

// get returns the zone set of the state that source returns now.
func (c *zoneCache) get() *zoneSet {
	st := c.source()
	now := c.clock()
	if zs := c.current.Load(); zs != nil && zs.fresh(st, now) {
		return zs
	}

	c.rebuild.Lock()
	defer c.rebuild.Unlock()

	// Another query may have built this state while we waited.
	prev := c.current.Load()
	if prev != nil && prev.fresh(st, now) {
		return prev
	}

	zs := buildOptions{geo: c.geo, now: now, logger: c.logger}.build(st)

	// A query that read an older state than the one now cached answers from
	// its own snapshot but does not roll the cache back.
	if prev != nil && prev.state != nil && st != nil && st.Index < prev.state.Index {
		return zs
	}
	c.current.Store(zs)
	c.logger.Debug("dns zones rebuilt", "state_index", stateIndex(st), "zones", len(zs.zones))
	return zs
}

func (c *zoneCache) clock() time.Time {
	if c.now == nil {
		return time.Now()
	}
	return c.now()
}

func stateIndex(st *state.State) uint64 {
	if st == nil {
		return 0
	}
	return st.Index
}
