package dnsserver

import (
	"maps"
	"slices"
	"time"

	"github.com/miekg/dns"
)

// transferChunk bounds the uncompressed size of the records in one
// message of a zone transfer, well below the 64 KiB a TCP message allows.
const transferChunk = 16 << 10

// isAllowedTransfer reports whether r is a well-formed AXFR or IXFR over
// TCP that the access rules allow. Every other transfer request is
// answered by buildReply, which refuses it.
func (s *Server) isAllowedTransfer(r *request) bool {
	req := r.msg
	if !r.tcp || req.Opcode != dns.OpcodeQuery || len(req.Question) != 1 ||
		r.ednsRcode != dns.RcodeSuccess || r.tsigFailed || r.cookie.malformed {
		return false
	}
	q := req.Question[0]
	if (q.Qtype != dns.TypeAXFR && q.Qtype != dns.TypeIXFR) || q.Qclass != dns.ClassINET {
		return false
	}
	return s.transferAllowed(r)
}

// transferAllowed applies the access rules: the client's address must lie
// in a rule's prefix and the request carry that rule's key, if it names one.
func (s *Server) transferAllowed(r *request) bool {
	for _, rule := range s.transfer.Allow {
		if !r.client.IsValid() || !rule.Prefix.Contains(r.client) {
			continue
		}
		if rule.Key == "" || (r.tsig != nil && canonicalName(r.tsig.Hdr.Name) == canonicalName(rule.Key)) {
			return true
		}
	}
	return false
}

// serveTransfer sends a zone by AXFR (RFC 5936). An IXFR (RFC 1995) gets
// the single SOA record when the client's serial is current, and otherwise
// a full transfer in the AXFR format, which RFC 1995 §4 allows since the
// server keeps no history of changes.
func (s *Server) serveTransfer(w dns.ResponseWriter, r *request) {
	q := r.question()
	z := s.zones.get().zones[canonicalName(q.Name)]
	if z == nil {
		// RFC 5936 §2.2.1: a transfer of a zone we do not serve is NOTAUTH.
		reply := newReply(r.msg)
		reply.Rcode = dns.RcodeNotAuth
		s.writeTransfer(w, r, reply, true)
		return
	}

	soa := z.soa()
	records := []dns.RR{soa}
	if q.Qtype == dns.TypeAXFR || !clientIsCurrent(r.msg, soa.Serial) {
		records = z.transferRecords()
	}
	for i, chunk := range chunkRecords(records) {
		reply := newReply(r.msg)
		reply.Authoritative = true
		reply.Answer = chunk
		if !s.writeTransfer(w, r, reply, i == 0) {
			return
		}
	}
	s.logger.Info("dns zone transferred", "zone", z.origin, "serial", soa.Serial,
		"type", dns.TypeToString[q.Qtype], "records", len(records))
}

// writeTransfer writes one message of a transfer, signed when the request
// was, and reports whether it was sent. RFC 8945 §5.3.1: the messages after
// the first carry MACs over the previous MAC and the timers.
func (s *Server) writeTransfer(w dns.ResponseWriter, r *request, reply *dns.Msg, first bool) bool {
	reply.Compress = true
	if r.tsig != nil {
		reply.SetTsig(r.tsig.Hdr.Name, r.tsig.Algorithm, tsigFudge, time.Now().Unix())
	}
	if first {
		s.metrics.observe(r, reply)
	}
	if err := w.WriteMsg(reply); err != nil {
		s.logger.Debug("dns transfer message not sent", "error_kind", "write")
		return false
	}
	w.TsigTimersOnly(true)
	return true
}

// clientIsCurrent reports whether an IXFR request carries our serial in
// the SOA of its authority section.
func clientIsCurrent(req *dns.Msg, serial uint32) bool {
	for _, rr := range req.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial == serial
		}
	}
	return false
}

// transferRecords returns the zone in AXFR order: the SOA, every other
// record by owner name and type, and the SOA again (RFC 5936 §2.2).
func (z *zone) transferRecords() []dns.RR {
	soa := z.soa()
	out := []dns.RR{soa}
	for _, name := range slices.Sorted(maps.Keys(z.nodes)) {
		sets := z.nodes[name]
		for _, t := range slices.Sorted(maps.Keys(sets)) {
			if name == z.origin && t == dns.TypeSOA {
				continue
			}
			out = append(out, sets[t]...)
		}
	}
	return append(out, soa)
}

// chunkRecords splits records into groups that each fit one message.
func chunkRecords(records []dns.RR) [][]dns.RR {
	var chunks [][]dns.RR
	start, size := 0, 0
	for i, rr := range records {
		n := dns.Len(rr)
		if size+n > transferChunk && i > start {
			chunks = append(chunks, records[start:i])
			start, size = i, 0
		}
		size += n
	}
	return append(chunks, records[start:])
}
