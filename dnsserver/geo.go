package dnsserver

import (
	"log/slog"
	"net/netip"
	"slices"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// geoName is the web host name whose A and AAAA records depend on where
// the client is: each region's live edges answer for the clients that the
// subnet table maps to that region. Built with the zone set, never
// modified.
type geoName struct {
	name string
	// byRegion holds the A and AAAA record sets, with their signatures in
	// a signed zone, of every region that has live edges.
	byRegion map[string]rrsets
	// fallback answers clients whose region has no live edge: the default
	// region's records, or every live edge's when it has none either. It
	// is also what zone transfers carry.
	fallback rrsets
	// subnets is the table sorted longest prefix first.
	subnets []GeoSubnet
}

// newGeoName builds the geo records of cfg.Name, or returns nil when the
// name is not set or lies in no zone of zs.
func newGeoName(zs *zoneSet, st *state.State, cfg Geo, ttl uint32, logger *slog.Logger) (*geoName, *zone) {
	if cfg.Name == "" {
		return nil, nil
	}
	name, _ := validName(cfg.Name) // checked by Config.validate
	z := zs.find(name)
	if z == nil {
		logger.Warn("dns geo name lies in no served zone, not answered", "name", name)
		return nil, nil
	}

	g := &geoName{name: name, byRegion: map[string]rrsets{}, subnets: slices.Clone(cfg.Subnets)}
	slices.SortStableFunc(g.subnets, func(a, b GeoSubnet) int { return b.Prefix.Bits() - a.Prefix.Bits() })
	var all []netip.Addr
	for region, addrs := range regionAddrs(st, logger) {
		g.byRegion[region] = addressSets(name, addrs, ttl)
		all = append(all, addrs...)
	}
	g.fallback = g.byRegion[cfg.DefaultRegion]
	if g.fallback == nil {
		g.fallback = addressSets(name, all, ttl)
	}
	return g, z
}

// regionAddrs returns the distinct addresses of the live edges (healthy and
// not draining) of every region.
func regionAddrs(st *state.State, logger *slog.Logger) map[string][]netip.Addr {
	raw := map[string][]string{}
	for _, e := range st.Edges {
		if e.Healthy && !e.Draining {
			raw[e.Region] = append(raw[e.Region], e.Addrs...)
		}
	}
	out := make(map[string][]netip.Addr, len(raw))
	for region, addrs := range raw {
		if parsed := parseAddrs(region, addrs, logger); len(parsed) > 0 {
			out[region] = parsed
		}
	}
	return out
}

// addressSets returns the A and AAAA record sets of name for addrs.
func addressSets(name string, addrs []netip.Addr, ttl uint32) rrsets {
	slices.SortFunc(addrs, netip.Addr.Compare)
	addrs = slices.Compact(addrs)
	sets := rrsets{}
	for _, a := range addrs {
		rr := addressRecord(name, a, ttl)
		sets[rr.Header().Rrtype] = append(sets[rr.Header().Rrtype], rr)
	}
	return sets
}

// attach puts the fallback records into z, so that the name exists, zone
// transfers carry it and denial of other types names the right ones.
func (g *geoName) attach(z *zone) {
	for _, rrs := range g.fallback {
		for _, rr := range rrs {
			z.add(rr)
		}
	}
	z.geo = g
}

// sign signs every region's record sets.
func (g *geoName) sign(s *zoneSigner) error {
	for _, sets := range g.byRegion {
		if err := signNode(sets, s); err != nil {
			return err
		}
	}
	return nil
}

// pick returns the record sets for a client at addr, or nil when the
// zone's own records of the name (the fallback) answer it, and the length
// of the table prefix that matched the client, 0 when none did.
func (g *geoName) pick(addr netip.Addr) (rrsets, int) {
	if !addr.IsValid() {
		return nil, 0
	}
	for _, s := range g.subnets {
		if s.Prefix.Contains(addr) {
			return g.byRegion[s.Region], s.Prefix.Bits()
		}
	}
	return nil, 0
}

// geoClient returns the address that places the client: the EDNS Client
// Subnet address when the query has one (RFC 7871), otherwise the query's
// source address.
func (r *request) geoClient() netip.Addr {
	if r.ecs == nil {
		return r.client
	}
	addr, ok := netip.AddrFromSlice(r.ecs.Address)
	if !ok {
		return r.client
	}
	return addr.Unmap()
}

// requestECS returns the query's EDNS Client Subnet option, or nil.
func requestECS(opt *dns.OPT) *dns.EDNS0_SUBNET {
	for _, o := range opt.Option {
		if ecs, ok := o.(*dns.EDNS0_SUBNET); ok {
			return ecs
		}
	}
	return nil
}
