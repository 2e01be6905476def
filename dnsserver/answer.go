package dnsserver

import (
	"slices"

	"github.com/miekg/dns"
)

// answer fills reply with the answer to r's question from zones.
func (s *Server) answer(reply *dns.Msg, r *request, zones *zoneSet) {
	q := r.question()
	if q.Qclass != dns.ClassINET {
		reply.Rcode = dns.RcodeRefused
		return
	}
	name := canonicalName(q.Name)
	z := zones.find(name)
	if z == nil || q.Qtype == dns.TypeAXFR || q.Qtype == dns.TypeIXFR {
		// A transfer reaches this point only when it is not allowed or came
		// over UDP; it is refused like a name outside our zones.
		reply.Rcode = dns.RcodeRefused
		return
	}

	reply.Authoritative = true
	a := answerer{reply: reply, r: r, z: z, name: name, signed: r.dnssecOK() && z.signer != nil}
	if q.Qtype == dns.TypeANY {
		a.any()
		return
	}
	a.lookup(zones)
}

// answerer builds the answer to one question from one zone.
type answerer struct {
	reply  *dns.Msg
	r      *request
	z      *zone
	name   string // the question name, lower-case and fully qualified
	signed bool   // whether to add DNSSEC records
}

func (a *answerer) lookup(zones *zoneSet) {
	qtype := a.r.question().Qtype
	sets, ok := a.z.nodes[a.name]
	if ok && a.z.geo != nil && a.name == a.z.geo.name && isAddressType(qtype) {
		if regional := a.geoSets(); regional != nil {
			sets = regional
		}
	}
	switch {
	case !ok:
		a.nameError()
	case len(sets[qtype]) == 0:
		a.noData()
	default:
		rrs := sets[qtype]
		if a.signed && qtype != dns.TypeRRSIG {
			rrs = append(slices.Clone(rrs), signaturesFor(sets, qtype)...)
		}
		a.reply.Answer = withOwner(rrs, a.r.question().Name)
		a.reply.Extra = additionalAddresses(zones, rrs)
	}
}

// geoSets returns the address sets of the geo name for this client, nil
// for the fallback, and records the ECS scope the reply gives them.
func (a *answerer) geoSets() rrsets {
	sets, bits := a.z.geo.pick(a.r.geoClient())
	if a.r.ecs != nil {
		a.r.ecsScope = uint8(min(bits, int(a.r.ecs.SourceNetmask)))
	}
	return sets
}

func isAddressType(t uint16) bool {
	return t == dns.TypeA || t == dns.TypeAAAA
}

// noData answers a name that exists without the queried type, an empty
// non-terminal included.
func (a *answerer) noData() {
	a.reply.Ns = a.z.negativeAuthority(a.signed)
	if a.signed {
		a.deny(a.z.types(a.name))
	}
}

// nameError answers a name that does not exist. Signed, it is the compact
// denial of RFC 9824 §3: an NSEC at the name with the NXNAME type, and
// NOERROR unless the client set the CO bit, because older validators read
// that NSEC as proof that the name exists.
func (a *answerer) nameError() {
	a.reply.Ns = a.z.negativeAuthority(a.signed)
	if !a.signed {
		a.reply.Rcode = dns.RcodeNameError
		return
	}
	if a.r.compactOK() {
		a.reply.Rcode = dns.RcodeNameError
	}
	a.deny([]uint16{dns.TypeNXNAME})
}

// deny adds the signed NSEC of the question name with types to the
// authority section.
func (a *answerer) deny(types []uint16) {
	denial, err := a.z.signer.compactDenial(a.name, types, a.z.negativeSOA.Hdr.Ttl)
	if err != nil {
		// Signing a well-formed record with a valid key does not fail. If
		// it did, the reply would go out without proof and fail
		// validation, which is still better than no reply.
		return
	}
	a.reply.Ns = append(a.reply.Ns, denial...)
}

// any gives the minimal answer of RFC 8482 §4.2 to an ANY query for a name
// that owns records: one synthesized HINFO record. It keeps amplification
// low and spares us choosing which RRsets to send.
func (a *answerer) any() {
	exists, hasRecords := a.z.exists(a.name)
	switch {
	case !exists:
		a.nameError()
	case !hasRecords:
		a.noData()
	default:
		hinfo := &dns.HINFO{Hdr: header(a.name, dns.TypeHINFO, a.z.ttl), Cpu: "RFC8482"}
		rrs := []dns.RR{hinfo}
		if a.signed {
			if sig, err := a.z.signer.sign(rrs); err == nil {
				rrs = append(rrs, sig)
			}
		}
		a.reply.Answer = withOwner(rrs, a.r.question().Name)
	}
}

// withOwner returns a new slice of rrs with owner as the owner name, which
// keeps the letter case of the question. Records whose name already matches
// byte for byte are shared with the zone, the others are copied, so zone
// data is never modified.
func withOwner(rrs []dns.RR, owner string) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		if rr.Header().Name != owner {
			rr = dns.Copy(rr)
			rr.Header().Name = owner
		}
		out[i] = rr
	}
	return out
}

// additionalAddresses returns the A and AAAA records of the hosts that the
// NS and MX records in rrs name, when a zone of the set holds them. Glue
// from our own zones saves resolvers a round trip.
func additionalAddresses(zones *zoneSet, rrs []dns.RR) []dns.RR {
	var extra []dns.RR
	var seen []string
	for _, rr := range rrs {
		var host string
		switch rr := rr.(type) {
		case *dns.NS:
			host = rr.Ns
		case *dns.MX:
			host = rr.Mx
		default:
			continue
		}
		if host == "." || slices.Contains(seen, host) {
			continue
		}
		seen = append(seen, host)
		extra = append(extra, zones.addresses(host)...)
	}
	return extra
}
