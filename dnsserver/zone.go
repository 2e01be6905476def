package dnsserver

import (
	"github.com/miekg/dns"
)

// lookupResult is the outcome of looking up a name and type in one zone.
type lookupResult int

const (
	// found means the name has records of the queried type.
	found lookupResult = iota
	// noData means the name exists, possibly as an empty non-terminal, but
	// has no records of the queried type.
	noData
	// nameError means the name does not exist in the zone (NXDOMAIN).
	nameError
)

// rrsets maps a record type to the records of one owner name.
type rrsets map[uint16][]dns.RR

// zone is one zone of the zone set. It is built once and never modified
// after buildZoneSet returns, so handlers share it without locking and must
// copy a record before changing it.
type zone struct {
	// origin is the zone apex as a lower-case fully qualified name.
	origin string
	// negativeSOA is the SOA placed in the authority section of NXDOMAIN and
	// NODATA answers. RFC 2308 §3 sets its TTL to the minimum of the SOA TTL
	// and the SOA MINIMUM field.
	negativeSOA *dns.SOA
	// ttl is the TTL of the records synthesized at query time (HINFO).
	ttl uint32
	// nodes holds every name of the zone, lower-case and fully qualified. An
	// empty rrsets marks an empty non-terminal: a name that exists only
	// because a name below it has records (RFC 8020 §2).
	nodes map[string]rrsets
	// signer signs the zone; nil when it is served unsigned.
	signer *zoneSigner
	// negativeSOASig is the signature of negativeSOA, set when signed.
	negativeSOASig dns.RR
	// geo answers one name's addresses by client region; nil without.
	geo *geoName
}

// newZone returns a zone holding only its SOA record.
func newZone(soa *dns.SOA) *zone {
	negative := *soa
	negative.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)

	z := &zone{
		origin:      soa.Hdr.Name,
		negativeSOA: &negative,
		ttl:         soa.Hdr.Ttl,
		nodes:       map[string]rrsets{},
	}
	z.add(soa)
	return z
}

// add stores rr under its owner name, which must be lower-case, fully
// qualified and inside the zone. It also creates the empty non-terminals
// between the owner name and the apex.
func (z *zone) add(rr dns.RR) {
	owner := rr.Header().Name
	sets := z.node(owner)
	sets[rr.Header().Rrtype] = append(sets[rr.Header().Rrtype], rr)

	for off, end := dns.NextLabel(owner, 0); !end && len(owner[off:]) > len(z.origin); off, end = dns.NextLabel(owner, off) {
		z.node(owner[off:])
	}
}

// node returns the record sets of name, creating an empty entry if needed.
func (z *zone) node(name string) rrsets {
	sets, ok := z.nodes[name]
	if !ok {
		sets = rrsets{}
		z.nodes[name] = sets
	}
	return sets
}

// lookup returns the records of name and qtype. The name must be lower-case
// and fully qualified. The returned slice belongs to the zone.
func (z *zone) lookup(name string, qtype uint16) ([]dns.RR, lookupResult) {
	sets, ok := z.nodes[name]
	if !ok {
		return nil, nameError
	}
	rrs := sets[qtype]
	if len(rrs) == 0 {
		return nil, noData
	}
	return rrs, found
}

// exists reports whether name exists in the zone and whether it owns any
// records, which an empty non-terminal does not.
func (z *zone) exists(name string) (exists, hasRecords bool) {
	sets, ok := z.nodes[name]
	return ok, len(sets) > 0
}

// addresses returns the A and AAAA records of host, in that order. The
// result is a new slice, but its records belong to the zone.
func (z *zone) addresses(host string) []dns.RR {
	sets := z.nodes[host]
	if len(sets) == 0 {
		return nil
	}
	out := make([]dns.RR, 0, len(sets[dns.TypeA])+len(sets[dns.TypeAAAA]))
	out = append(out, sets[dns.TypeA]...)
	return append(out, sets[dns.TypeAAAA]...)
}

// soa returns the zone's SOA record.
func (z *zone) soa() *dns.SOA {
	return z.nodes[z.origin][dns.TypeSOA][0].(*dns.SOA)
}

// negativeAuthority returns the authority section of a negative answer:
// the SOA with the TTL of RFC 2308 §3 and, in a signed zone, its RRSIG.
func (z *zone) negativeAuthority(signed bool) []dns.RR {
	if signed && z.negativeSOASig != nil {
		return []dns.RR{z.negativeSOA, z.negativeSOASig}
	}
	return []dns.RR{z.negativeSOA}
}

// types returns the record types name owns, without RRSIG.
func (z *zone) types(name string) []uint16 {
	sets := z.nodes[name]
	out := make([]uint16, 0, len(sets))
	for t := range sets {
		if t != dns.TypeRRSIG {
			out = append(out, t)
		}
	}
	return out
}
