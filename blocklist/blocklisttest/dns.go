// Package blocklisttest runs fake blocklists on loopback for tests: a DNS
// server that answers like a DNSBL zone and an HTTP server that serves a
// disposable-domain feed with ETag validation. Both speak the real
// protocols, so code under test talks to them as it would to real lists.
package blocklisttest

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Answer is how the fake DNS server replies to one name.
type Answer struct {
	// Addrs are the A records of a NOERROR reply.
	Addrs []string
	// Rcode, when not zero, is the reply code (dns.RcodeServerFailure...).
	Rcode int
	// Drop leaves the query unanswered, so that the client times out.
	Drop bool
	// Delay holds the reply back this long, like a slow list.
	Delay time.Duration
}

// DNS is a fake recursive resolver that answers DNSBL queries from a table.
// Names not in the table get NXDOMAIN. It is safe for concurrent use.
type DNS struct {
	// Addr is the host:port the server listens on, over UDP and TCP.
	Addr string

	mu      sync.Mutex
	answers map[string]Answer
	queries map[string]int
}

// StartDNS starts the server on a loopback port and stops it when the test
// ends.
func StartDNS(tb testing.TB) *DNS {
	tb.Helper()
	s := &DNS{answers: map[string]Answer{}, queries: map[string]int{}}
	udp, tcp := listenPair(tb)
	s.Addr = udp.LocalAddr().String()

	handler := dns.HandlerFunc(s.serve)
	servers := []*dns.Server{
		{PacketConn: udp, Handler: handler},
		{Listener: tcp, Handler: handler},
	}
	for _, srv := range servers {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			tb.Fatalf("fake DNS server did not start")
		}
	}
	tb.Cleanup(func() {
		for _, srv := range servers {
			_ = srv.Shutdown()
		}
	})
	return s
}

// listenPair binds UDP and TCP on the same loopback port.
func listenPair(tb testing.TB) (net.PacketConn, net.Listener) {
	tb.Helper()
	for range 20 {
		udp, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("listen udp: %v", err)
		}
		tcp, err := net.Listen("tcp", udp.LocalAddr().String())
		if err == nil {
			return udp, tcp
		}
		udp.Close()
	}
	tb.Fatalf("no loopback port free for both UDP and TCP")
	return nil, nil
}

// Set makes the server reply to name (with or without a trailing dot,
// any letter case) with a.
func (s *DNS) Set(name string, a Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[key(name)] = a
}

// List makes name resolve to the given A records.
func (s *DNS) List(name string, addrs ...string) { s.Set(name, Answer{Addrs: addrs}) }

// Unlist removes name from the table, so that it gets NXDOMAIN again.
func (s *DNS) Unlist(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.answers, key(name))
}

// Queries returns how many queries for name arrived.
func (s *DNS) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[key(name)]
}

func key(name string) string { return strings.ToLower(dns.Fqdn(name)) }

func (s *DNS) serve(w dns.ResponseWriter, q *dns.Msg) {
	if len(q.Question) != 1 {
		return
	}
	name := key(q.Question[0].Name)
	s.mu.Lock()
	s.queries[name]++
	a, listed := s.answers[name]
	s.mu.Unlock()
	if a.Drop {
		return
	}
	time.Sleep(a.Delay)

	reply := new(dns.Msg)
	reply.SetReply(q)
	reply.RecursionAvailable = true
	switch {
	case !listed:
		reply.Rcode = dns.RcodeNameError
	case a.Rcode != 0:
		reply.Rcode = a.Rcode
	case q.Question[0].Qtype == dns.TypeA:
		for _, ip := range a.Addrs {
			reply.Answer = append(reply.Answer, &dns.A{
				Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
				A:   net.ParseIP(ip),
			})
		}
	}
	_ = w.WriteMsg(reply)
}
