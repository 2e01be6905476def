package dnsserver

import (
	"errors"
	"net"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// request is one query and what the server learned about it before it
// answers: the transport, the client address, EDNS, cookies and TSIG.
type request struct {
	msg *dns.Msg
	tcp bool
	// client is the source address, invalid when the transport gave none.
	// It is used for limits, cookies, access rules and GeoDNS, and never
	// logged.
	client netip.Addr
	// opt is the client's OPT record, nil without EDNS or when it is
	// invalid, and ednsRcode is the rcode the EDNS rules impose.
	opt       *dns.OPT
	ednsRcode int
	cookie    cookieCheck
	// ecs is the query's EDNS Client Subnet option, and ecsScope the
	// scope prefix length the reply gives it (RFC 7871 §7.2.1).
	ecs      *dns.EDNS0_SUBNET
	ecsScope uint8
	// tsig is the request's TSIG record when its signature verified.
	// When it carried one that did not, tsigFailed is set, failedTSIG is
	// that record and tsigError the TSIG error code of RFC 8945 §5.2.
	tsig       *dns.TSIG
	tsigFailed bool
	failedTSIG *dns.TSIG
	tsigError  uint16
}

// newRequest reads what the answer depends on from req and w.
func (s *Server) newRequest(w dns.ResponseWriter, req *dns.Msg) *request {
	r := &request{msg: req, tcp: overTCP(w), client: remoteAddr(w)}
	r.opt, r.ednsRcode = requestEDNS(req)
	if r.opt != nil {
		r.cookie = s.cookies.check(r.opt, r.client)
		r.ecs = requestECS(r.opt)
	}
	if t := req.IsTsig(); t != nil {
		// The dns library verifies the signature only with the configured keys,
		// so a key name we do not know fails here too. Every key is
		// HMAC-SHA256, so another algorithm cannot have verified.
		_, known := s.tsigSecrets[canonicalName(t.Hdr.Name)]
		status := w.TsigStatus()
		switch {
		case !known || !strings.EqualFold(t.Algorithm, dns.HmacSHA256):
			r.tsigError = dns.RcodeBadKey
		case errors.Is(status, dns.ErrTime):
			r.tsigError = dns.RcodeBadTime
		case status != nil:
			r.tsigError = dns.RcodeBadSig
		default:
			r.tsig = t
		}
		if r.tsig == nil {
			r.tsigFailed, r.failedTSIG = true, t
		}
	}
	return r
}

// question returns the single question. Call it only when the request has
// exactly one.
func (r *request) question() dns.Question {
	return r.msg.Question[0]
}

// dnssecOK reports whether the client asked for DNSSEC records (the DO bit
// of RFC 3225).
func (r *request) dnssecOK() bool {
	return r.opt != nil && r.opt.Do()
}

// compactOK reports whether the client set the CO bit of RFC 9824 §6.2,
// which lets a compact denial keep the NXDOMAIN rcode.
func (r *request) compactOK() bool {
	return r.opt != nil && r.opt.Hdr.Ttl&ednsFlagCO != 0
}

// ednsFlagCO is the Compact Answers OK flag in the EDNS flags (RFC 9824).
const ednsFlagCO = 0x4000

// transport names the request's transport for metrics.
func (r *request) transport() string {
	if r.tcp {
		return "tcp"
	}
	return "udp"
}

// remoteAddr returns w's remote IP address, unmapped, or the zero Addr.
func remoteAddr(w dns.ResponseWriter) netip.Addr {
	return addrOf(w.RemoteAddr())
}

// addrOf returns the IP address of a UDP or TCP address, unmapped, or the
// zero Addr.
func addrOf(remote net.Addr) netip.Addr {
	var ip net.IP
	switch a := remote.(type) {
	case *net.UDPAddr:
		ip = a.IP
	case *net.TCPAddr:
		ip = a.IP
	}
	addr, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}
	}
	return addr.Unmap()
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
