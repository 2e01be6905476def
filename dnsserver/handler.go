package dnsserver

import (
	"runtime/debug"

	"github.com/miekg/dns"
)

// ServeDNS answers one query. It implements dns.Handler, is safe for
// concurrent use and writes at most one reply. It sends nothing for a nil
// message or a message with the QR bit set, because answering a response
// could start a loop between two servers.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	reply := s.buildReply(req, overTCP(w))
	if reply == nil {
		return
	}

	s.counts.add(reply.Rcode)
	if err := w.WriteMsg(reply); err != nil {
		// The error text names the client address, which must not be logged.
		s.logger.Debug("dns reply not sent", "network", network(w))
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

// buildReply returns the reply to req, or nil when req gets none.
func (s *Server) buildReply(req *dns.Msg, overTCP bool) *dns.Msg {
	if req == nil || req.Response {
		return nil
	}
	reply := newReply(req)
	client, ednsRcode := requestEDNS(req)

	switch {
	case req.Opcode != dns.OpcodeQuery:
		reply.Rcode = dns.RcodeNotImplemented
	case len(req.Question) != 1:
		reply.Rcode = dns.RcodeFormatError
	case ednsRcode != dns.RcodeSuccess:
		reply.Rcode = ednsRcode
	default:
		s.answer(reply, req.Question[0])
	}

	if client != nil {
		reply.Extra = append(reply.Extra, replyOPT(client))
	}
	fitReply(reply, client, overTCP)
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

// overTCP reports whether w writes to a TCP connection. Any other writer is
// held to the UDP size limits.
func overTCP(w dns.ResponseWriter) bool {
	return network(w) == "tcp"
}

func network(w dns.ResponseWriter) string {
	addr := w.LocalAddr()
	if addr == nil {
		return "unknown"
	}
	return addr.Network()
}
