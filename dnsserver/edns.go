package dnsserver

import (
	"github.com/miekg/dns"
)

const (
	// maxUDPSize is the largest UDP reply we send and the payload size we
	// advertise. 1232 octets fits the IPv6 minimum MTU of 1280 without
	// fragmentation (DNS Flag Day 2020).
	maxUDPSize = 1232
	// readBufferSize is the UDP read buffer. Queries are small, but one with
	// large EDNS options must still be read whole.
	readBufferSize = 4096
)

// requestEDNS returns the client's OPT record and the rcode that the EDNS
// rules of RFC 6891 impose on the reply. The OPT record is nil when the
// query has none or when it is invalid, in which case the reply must not
// carry one either.
func requestEDNS(req *dns.Msg) (*dns.OPT, int) {
	var opt *dns.OPT
	for _, rr := range req.Extra {
		o, ok := rr.(*dns.OPT)
		if !ok {
			continue
		}
		// RFC 6891 §6.1.1: more than one OPT record is a format error.
		if opt != nil {
			return nil, dns.RcodeFormatError
		}
		opt = o
	}

	switch {
	case opt == nil:
		return nil, dns.RcodeSuccess
	case opt.Hdr.Name != ".":
		// RFC 6891 §6.1.2: the owner name must be the root.
		return nil, dns.RcodeFormatError
	case opt.Version() != 0:
		// RFC 6891 §6.1.3: BADVERS, with an OPT record of the version we do
		// implement.
		return opt, dns.RcodeBadVers
	}
	return opt, dns.RcodeSuccess
}

// replyOPT returns the OPT record of a reply to r. It advertises our
// payload size and copies the DO bit (RFC 3225 §3). A COOKIE option gets
// the client cookie back with a fresh server cookie (RFC 7873 §5.2). An
// EDNS Client Subnet option is echoed with its scope (RFC 7871 §7.2.1).
// Other options are ignored and not echoed.
func (s *Server) replyOPT(r *request) *dns.OPT {
	opt := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
	opt.SetUDPSize(maxUDPSize)
	if r.opt.Do() {
		opt.SetDo()
	}
	if r.cookie.client != nil {
		opt.Option = append(opt.Option, s.cookies.reply(r.cookie.client, r.client))
	}
	if r.ecs != nil {
		ecs := *r.ecs
		ecs.SourceScope = r.ecsScope
		opt.Option = append(opt.Option, &ecs)
	}
	return opt
}

// sizeLimit returns the largest reply the transport allows. Over UDP it is
// 512 octets without EDNS (RFC 1035 §4.2.1) and otherwise the client's
// payload size, read as at least 512 (RFC 6891 §6.2.5) and capped at our
// own.
func sizeLimit(client *dns.OPT, overTCP bool) int {
	switch {
	case overTCP:
		return dns.MaxMsgSize
	case client != nil:
		return min(max(int(client.UDPSize()), dns.MinMsgSize), maxUDPSize)
	}
	return dns.MinMsgSize
}

// fitReply truncates reply to limit octets and sets TC when records had
// to go.
func fitReply(reply *dns.Msg, limit int) {
	reply.Truncate(limit)
	// Truncate turns compression off when the reply fits without it, but a
	// smaller packet is still worth it.
	reply.Compress = true
}
