package dnsserver

import (
	"runtime/debug"
	"slices"
	"time"

	"github.com/miekg/dns"
)

// tsigFudge is the time error a TSIG-signed reply permits, in seconds
// (RFC 8945 §10 recommends 300).
const tsigFudge = 300

// tsigReserve is the room a TSIG record of an hmac-sha256 key with a
// name of up to 63 octets needs at the end of a reply.
const tsigReserve = 160

// ServeDNS answers one query. It implements dns.Handler, is safe for
// concurrent use and writes at most one reply to a query, or the messages of
// a zone transfer. It sends nothing for a nil message or a message with the
// QR bit set, because answering a response could start a loop between two
// servers, nor for a UDP query that the rate limit drops.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if req == nil || req.Response {
		return
	}
	r := s.newRequest(w, req)
	if s.isAllowedTransfer(r) {
		s.serveTransfer(w, r)
		return
	}

	zones := s.zones.get()
	key, cacheable := s.cacheKey(r, zones)
	if cacheable {
		if e, ok := zones.replies.get(key); ok {
			s.sendCachedLimited(w, r, e)
			return
		}
	}
	reply := s.buildReplyFrom(r, zones)
	if cacheable {
		zones.replies.put(key, reply)
	}
	if !r.tcp && !r.cookie.valid {
		reply = s.limit(r, reply)
		if reply == nil {
			return
		}
	}
	s.send(w, r, reply)
}

// sendCachedLimited sends a cached reply under the rate limit. A cached
// reply never has a server cookie to let it pass.
func (s *Server) sendCachedLimited(w dns.ResponseWriter, r *request, e cachedReply) {
	if r.tcp || s.rrl == nil {
		s.sendCached(w, r, e)
		return
	}
	switch s.rrl.decide(r.client) {
	case rrlSend:
		s.sendCached(w, r, e)
	case rrlSlip:
		s.metrics.rrl("slip")
		reply := new(dns.Msg)
		if err := reply.Unpack(e.packed); err != nil {
			return
		}
		reply.Id, reply.RecursionDesired, reply.CheckingDisabled = r.msg.Id, r.msg.RecursionDesired, r.msg.CheckingDisabled
		s.send(w, r, truncatedReply(reply))
	default:
		s.metrics.rrl("drop")
	}
}

// send writes reply and counts it.
func (s *Server) send(w dns.ResponseWriter, r *request, reply *dns.Msg) {
	s.counts.add(reply.Rcode)
	s.metrics.observe(r, reply)
	if r.tsigFailed {
		s.sendUnsigned(w, r, reply)
		return
	}
	if err := w.WriteMsg(reply); err != nil {
		// The error text names the client address, which must not be logged.
		s.logger.Debug("dns reply not sent", "network", r.transport())
	}
}

// sendUnsigned writes a reply that carries a TSIG error record but no MAC.
// It bypasses WriteMsg, which would sign any reply with a TSIG record.
func (s *Server) sendUnsigned(w dns.ResponseWriter, r *request, reply *dns.Msg) {
	packed, err := reply.Pack()
	if err == nil && new(dns.Msg).Unpack(packed) != nil {
		// The dns library packs some odd names in the echoed TSIG record
		// with a wrong length, so the reply goes without that record.
		reply.Extra = slices.DeleteFunc(reply.Extra, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeTSIG })
		packed, err = reply.Pack()
	}
	if err == nil {
		_, err = w.Write(packed)
	}
	if err != nil {
		s.logger.Debug("dns reply not sent", "network", r.transport())
	}
}

// tsigErrorRecord returns the unsigned TSIG record of a reply to a request
// whose signature failed (RFC 8945 §5.2): the request's key, algorithm,
// time and fudge, no MAC, and the error code.
//
// It returns nil when the key name or the algorithm is the root, which
// the dns library packs with a wrong length. The reply then carries no
// TSIG record.
//
// NOTE: RFC 8945 §5.2.3 asks for a signed BADTIME reply with the server's
// time in Other Data. It is sent unsigned here, which clients report as a
// TSIG failure all the same.
func tsigErrorRecord(r *request) *dns.TSIG {
	t := r.failedTSIG
	if t.Hdr.Name == "." || t.Algorithm == "." || t.Algorithm == "" {
		return nil
	}
	return &dns.TSIG{
		Hdr:        dns.RR_Header{Name: t.Hdr.Name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm:  t.Algorithm,
		TimeSigned: t.TimeSigned,
		Fudge:      t.Fudge,
		OrigId:     r.msg.Id,
		Error:      r.tsigError,
	}
}

// serveRecovering is the handler of the listeners. A panic while answering
// one query must not stop the server for every zone, so it is logged and
// the client gets SERVFAIL.
func (s *Server) serveRecovering(w dns.ResponseWriter, req *dns.Msg) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		s.logger.Error("dns handler panicked", "panic", v, "stack", string(debug.Stack()))
		if req != nil && !req.Response {
			fail := &dns.Msg{MsgHdr: dns.MsgHdr{Id: req.Id, Response: true, Rcode: dns.RcodeServerFailure}}
			_ = w.WriteMsg(fail) // the client may be gone, and there is nothing more to do
		}
	}()
	s.ServeDNS(w, req)
}

// buildReply returns the reply to r from the current zone set.
func (s *Server) buildReply(r *request) *dns.Msg {
	return s.buildReplyFrom(r, s.zones.get())
}

// buildReplyFrom returns the reply to r from zones, sized for its
// transport and signed when the request was.
func (s *Server) buildReplyFrom(r *request, zones *zoneSet) *dns.Msg {
	req := r.msg
	reply := newReply(req)

	switch {
	case req.Opcode != dns.OpcodeQuery:
		reply.Rcode = dns.RcodeNotImplemented
	case len(req.Question) != 1:
		reply.Rcode = dns.RcodeFormatError
	case r.ednsRcode != dns.RcodeSuccess:
		reply.Rcode = r.ednsRcode
	case r.cookie.malformed:
		// RFC 7873 §5.2.2: a COOKIE option of a wrong length is FORMERR.
		reply.Rcode = dns.RcodeFormatError
	case r.tsigFailed:
		// RFC 8945 §5.2: a signature that fails is NOTAUTH, and the TSIG
		// record added below says why.
		reply.Rcode = dns.RcodeNotAuth
	default:
		s.answer(reply, r, zones)
	}

	if r.opt != nil {
		reply.Extra = append(reply.Extra, s.replyOPT(r))
	}
	limit := sizeLimit(r.opt, r.tcp)
	fitReply(reply, limit)
	if r.tsigFailed {
		if rec := tsigErrorRecord(r); rec != nil {
			reply.Extra = append(reply.Extra, rec)
		}
		return reply
	}
	if r.tsig != nil {
		if reply.Len()+tsigReserve > limit {
			// Truncate never goes below 512 octets, so make room for the
			// signature by sending the reply empty with TC set: the
			// client retries over TCP (RFC 8945 §5.3).
			reply = truncatedReply(reply)
		}
		// The listener's writer computes the MAC when it packs the reply.
		reply.SetTsig(r.tsig.Hdr.Name, r.tsig.Algorithm, tsigFudge, time.Now().Unix())
	}
	return reply
}

// newReply returns an empty reply to req that echoes its ID, opcode, RD and
// CD bits and, when there is exactly one, its question with the letter case
// the client used.
func newReply(req *dns.Msg) *dns.Msg {
	reply := &dns.Msg{MsgHdr: dns.MsgHdr{
		Id:               req.Id,
		Response:         true,
		Opcode:           req.Opcode,
		RecursionDesired: req.RecursionDesired,
		CheckingDisabled: req.CheckingDisabled,
	}}
	if len(req.Question) == 1 {
		reply.Question = []dns.Question{req.Question[0]}
	}
	return reply
}
