package dnsserver

import (
	"slices"

	"github.com/miekg/dns"
)

// answer fills reply with the answer to q from the current zone set.
func (s *Server) answer(reply *dns.Msg, q dns.Question) {
	if q.Qclass != dns.ClassINET {
		reply.Rcode = dns.RcodeRefused
		return
	}
	zones := s.zones.get()
	name := canonicalName(q.Name)
	z := zones.find(name)
	if z == nil {
		reply.Rcode = dns.RcodeRefused
		return
	}

	switch q.Qtype {
	case dns.TypeAXFR, dns.TypeIXFR:
		// TODO: serve zone transfers over TCP so operators can run ordinary
		// secondaries. Until then they are refused like any unauthorised
		// transfer.
		reply.Rcode = dns.RcodeRefused
		return
	case dns.TypeANY:
		reply.Authoritative = true
		answerAny(reply, z, name, q.Name)
		return
	}

	reply.Authoritative = true
	rrs, result := z.lookup(name, q.Qtype)
	switch result {
	case found:
		reply.Answer = withOwner(rrs, q.Name)
		reply.Extra = additionalAddresses(zones, rrs)
	case noData:
		reply.Ns = []dns.RR{z.negativeSOA}
	case nameError:
		reply.Rcode = dns.RcodeNameError
		reply.Ns = []dns.RR{z.negativeSOA}
	}
}

// answerAny gives the minimal answer of RFC 8482 §4.2 to an ANY query for a
// name that owns records: one synthesized HINFO record. It keeps
// amplification low and spares us choosing which RRsets to send.
func answerAny(reply *dns.Msg, z *zone, name, owner string) {
	exists, hasRecords := z.exists(name)
	switch {
	case !exists:
		reply.Rcode = dns.RcodeNameError
		reply.Ns = []dns.RR{z.negativeSOA}
	case !hasRecords:
		reply.Ns = []dns.RR{z.negativeSOA}
	default:
		reply.Answer = []dns.RR{&dns.HINFO{Hdr: header(owner, dns.TypeHINFO, z.ttl), Cpu: "RFC8482"}}
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
