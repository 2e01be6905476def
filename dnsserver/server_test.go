package dnsserver

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// The records of the fixture, in zone-file syntax.
const (
	mayflySOA = "mayfly.test. 3600 IN SOA ns1.mayfly-ops.test. hostmaster.mayfly-ops.test. 2025010601 3600 600 86400 300"
	opsSOA    = "mayfly-ops.test. 3600 IN SOA ns1.mayfly-ops.test. hostmaster.mayfly-ops.test. 7 3600 600 86400 300"
	// The negative forms carry TTL min(3600, 300) in the authority section.
	mayflyNegativeSOA = "mayfly.test. 300 IN SOA ns1.mayfly-ops.test. hostmaster.mayfly-ops.test. 2025010601 3600 600 86400 300"
	opsNegativeSOA    = "mayfly-ops.test. 300 IN SOA ns1.mayfly-ops.test. hostmaster.mayfly-ops.test. 7 3600 600 86400 300"
)

var (
	localMXGlue = []string{
		"a.mx.mayfly-ops.test. 3600 IN A 192.0.2.25",
		"a.mx.mayfly-ops.test. 3600 IN AAAA 2001:db8::25",
		"b.mx.mayfly-ops.test. 3600 IN A 192.0.2.26",
		"b.mx.mayfly-ops.test. 3600 IN A 192.0.2.27",
	}
	nameServerGlue = []string{
		"ns1.mayfly-ops.test. 3600 IN A 192.0.2.53",
		"ns1.mayfly-ops.test. 3600 IN AAAA 2001:db8::53",
		"ns2.mayfly-ops.test. 3600 IN A 198.51.100.53",
	}
)

func TestServer_Answers(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))

	tests := []struct {
		name      string
		qname     string
		qtype     uint16
		qclass    uint16 // IN when zero
		wantRcode int
		wantAA    bool
		answer    []string
		authority []string
		extra     []string
	}{
		{
			name: "active domain MX with glue", qname: "mayfly.test.", qtype: dns.TypeMX,
			wantAA: true,
			answer: []string{
				"mayfly.test. 3600 IN MX 10 a.mx.mayfly-ops.test.",
				"mayfly.test. 3600 IN MX 10 b.mx.mayfly-ops.test.",
			},
			extra: localMXGlue,
		},
		{
			name: "retiring domain keeps MX", qname: "mayfly-mail.test.", qtype: dns.TypeMX,
			wantAA: true,
			answer: []string{
				"mayfly-mail.test. 3600 IN MX 10 a.mx.mayfly-ops.test.",
				"mayfly-mail.test. 3600 IN MX 10 b.mx.mayfly-ops.test.",
			},
			extra: localMXGlue,
		},
		{
			name: "retired domain null MX", qname: "old-mayfly.test.", qtype: dns.TypeMX,
			wantAA: true,
			answer: []string{"old-mayfly.test. 3600 IN MX 0 ."},
		},
		{
			name: "MX host outside our zones has no glue", qname: "eu-mayfly.test.", qtype: dns.TypeMX,
			wantAA: true,
			answer: []string{"eu-mayfly.test. 3600 IN MX 10 mx.eu.example.net."},
		},
		{
			name: "standby domain refused", qname: "spare-mayfly.test.", qtype: dns.TypeMX,
			wantRcode: dns.RcodeRefused,
		},
		{
			name: "A of MX host", qname: "a.mx.mayfly-ops.test.", qtype: dns.TypeA,
			wantAA: true,
			answer: []string{"a.mx.mayfly-ops.test. 3600 IN A 192.0.2.25"},
		},
		{
			name: "AAAA of MX host", qname: "a.mx.mayfly-ops.test.", qtype: dns.TypeAAAA,
			wantAA: true,
			answer: []string{"a.mx.mayfly-ops.test. 3600 IN AAAA 2001:db8::25"},
		},
		{
			name: "A of draining edge kept", qname: "c.mx.mayfly-ops.test.", qtype: dns.TypeA,
			wantAA: true,
			answer: []string{"c.mx.mayfly-ops.test. 3600 IN A 192.0.2.28"},
		},
		{
			name: "A of unhealthy edge kept", qname: "e.mx.mayfly-ops.test.", qtype: dns.TypeA,
			wantAA: true,
			answer: []string{"e.mx.mayfly-ops.test. 3600 IN A 192.0.2.31"},
		},
		{
			name: "pool domain SOA", qname: "mayfly.test.", qtype: dns.TypeSOA,
			wantAA: true,
			answer: []string{mayflySOA},
		},
		{
			name: "operations zone SOA", qname: "mayfly-ops.test.", qtype: dns.TypeSOA,
			wantAA: true,
			answer: []string{opsSOA},
		},
		{
			name: "pool domain NS with glue", qname: "mayfly.test.", qtype: dns.TypeNS,
			wantAA: true,
			answer: []string{
				"mayfly.test. 3600 IN NS ns1.mayfly-ops.test.",
				"mayfly.test. 3600 IN NS ns2.mayfly-ops.test.",
			},
			extra: nameServerGlue,
		},
		{
			name: "operations zone NS with glue", qname: "mayfly-ops.test.", qtype: dns.TypeNS,
			wantAA: true,
			answer: []string{
				"mayfly-ops.test. 3600 IN NS ns1.mayfly-ops.test.",
				"mayfly-ops.test. 3600 IN NS ns2.mayfly-ops.test.",
			},
			extra: nameServerGlue,
		},
		{
			name: "SPF at apex", qname: "mayfly.test.", qtype: dns.TypeTXT,
			wantAA: true,
			answer: []string{`mayfly.test. 3600 IN TXT "v=spf1 -all"`},
		},
		{
			name: "DMARC", qname: "_dmarc.mayfly.test.", qtype: dns.TypeTXT,
			wantAA: true,
			answer: []string{`_dmarc.mayfly.test. 3600 IN TXT "v=DMARC1; p=reject"`},
		},
		{
			name: "missing name NXDOMAIN", qname: "nothere.mayfly.test.", qtype: dns.TypeA,
			wantRcode: dns.RcodeNameError, wantAA: true,
			authority: []string{mayflyNegativeSOA},
		},
		{
			name: "name below DMARC NXDOMAIN", qname: "x._dmarc.mayfly.test.", qtype: dns.TypeTXT,
			wantRcode: dns.RcodeNameError, wantAA: true,
			authority: []string{mayflyNegativeSOA},
		},
		{
			name: "missing name in operations zone NXDOMAIN", qname: "nothere.mayfly-ops.test.", qtype: dns.TypeA,
			wantRcode: dns.RcodeNameError, wantAA: true,
			authority: []string{opsNegativeSOA},
		},
		{
			name: "apex A NODATA", qname: "mayfly.test.", qtype: dns.TypeA,
			wantAA:    true,
			authority: []string{mayflyNegativeSOA},
		},
		{
			name: "DMARC A NODATA", qname: "_dmarc.mayfly.test.", qtype: dns.TypeA,
			wantAA:    true,
			authority: []string{mayflyNegativeSOA},
		},
		{
			name: "empty non-terminal NODATA", qname: "mx.mayfly-ops.test.", qtype: dns.TypeA,
			wantAA:    true,
			authority: []string{opsNegativeSOA},
		},
		{
			name: "MX host without AAAA NODATA", qname: "b.mx.mayfly-ops.test.", qtype: dns.TypeAAAA,
			wantAA:    true,
			authority: []string{opsNegativeSOA},
		},
		{
			name: "outside name refused", qname: "example.com.", qtype: dns.TypeA,
			wantRcode: dns.RcodeRefused,
		},
		{
			name: "parent of pool domain refused", qname: "test.", qtype: dns.TypeSOA,
			wantRcode: dns.RcodeRefused,
		},
		{
			name: "class CH refused", qname: "mayfly.test.", qtype: dns.TypeSOA, qclass: dns.ClassCHAOS,
			wantRcode: dns.RcodeRefused,
		},
		{
			name: "mixed case keeps question", qname: "MaYfLy.TeSt.", qtype: dns.TypeMX,
			wantAA: true,
			answer: []string{
				"MaYfLy.TeSt. 3600 IN MX 10 a.mx.mayfly-ops.test.",
				"MaYfLy.TeSt. 3600 IN MX 10 b.mx.mayfly-ops.test.",
			},
			extra: localMXGlue,
		},
		{
			name: "ANY minimal", qname: "mayfly.test.", qtype: dns.TypeANY,
			wantAA: true,
			answer: []string{`mayfly.test. 3600 IN HINFO "RFC8482" ""`},
		},
		{
			name: "ANY missing name NXDOMAIN", qname: "nothere.mayfly.test.", qtype: dns.TypeANY,
			wantRcode: dns.RcodeNameError, wantAA: true,
			authority: []string{mayflyNegativeSOA},
		},
		{
			name: "ANY empty non-terminal NODATA", qname: "mx.mayfly-ops.test.", qtype: dns.TypeANY,
			wantAA:    true,
			authority: []string{opsNegativeSOA},
		},
		{
			name: "zone transfer refused", qname: "mayfly.test.", qtype: dns.TypeAXFR,
			wantRcode: dns.RcodeRefused,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newQuery(tt.qname, tt.qtype)
			if tt.qclass != 0 {
				q.Question[0].Qclass = tt.qclass
			}
			reply := exchange(t, "udp", srv.UDPAddr(), q)

			if reply.Rcode != tt.wantRcode {
				t.Errorf("rcode: got %s, want %s", dns.RcodeToString[reply.Rcode], dns.RcodeToString[tt.wantRcode])
			}
			if reply.Authoritative != tt.wantAA {
				t.Errorf("AA: got %v, want %v", reply.Authoritative, tt.wantAA)
			}
			if reply.Truncated {
				t.Errorf("TC: got true, want false")
			}
			if len(reply.Question) != 1 || reply.Question[0].Name != tt.qname {
				t.Errorf("question: got %v, want name %q", reply.Question, tt.qname)
			}
			assertRecords(t, "answer", reply.Answer, mustRRs(t, tt.answer...))
			assertRecords(t, "authority", reply.Ns, mustRRs(t, tt.authority...))
			assertRecords(t, "additional", reply.Extra, mustRRs(t, tt.extra...))
		})
	}
}

func TestServer_NegativeTTLIsSOATTLWhenSmaller(t *testing.T) {
	st := testState()
	st.DNS.TTL = 60
	srv := startServer(t, fixedSource(st))

	for _, qname := range []string{"nothere.mayfly.test.", "mayfly.test."} {
		reply := exchange(t, "udp", srv.UDPAddr(), newQuery(qname, dns.TypeA))
		if len(reply.Ns) != 1 {
			t.Fatalf("%s: authority records: got %d, want 1", qname, len(reply.Ns))
		}
		soa, ok := reply.Ns[0].(*dns.SOA)
		if !ok {
			t.Fatalf("%s: authority: got %s, want SOA", qname, reply.Ns[0])
		}
		if soa.Hdr.Ttl != 60 {
			t.Errorf("%s: SOA TTL: got %d, want 60", qname, soa.Hdr.Ttl)
		}
		if soa.Minttl != testNegative {
			t.Errorf("%s: SOA minimum: got %d, want %d", qname, soa.Minttl, testNegative)
		}
	}
}

func TestServer_TCPAnswersOnUDPPort(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))

	udpPort := srv.UDPAddr().String()[strings.LastIndexByte(srv.UDPAddr().String(), ':'):]
	tcpPort := srv.TCPAddr().String()[strings.LastIndexByte(srv.TCPAddr().String(), ':'):]
	if udpPort != tcpPort {
		t.Errorf("ports: got udp %s and tcp %s, want the same", udpPort, tcpPort)
	}

	reply := exchange(t, "tcp", srv.TCPAddr(), newQuery("mayfly.test.", dns.TypeMX))
	if reply.Rcode != dns.RcodeSuccess || !reply.Authoritative {
		t.Errorf("reply: got rcode %s AA %v, want NOERROR with AA", dns.RcodeToString[reply.Rcode], reply.Authoritative)
	}
	if len(reply.Answer) != 2 {
		t.Errorf("answer records: got %d, want 2", len(reply.Answer))
	}
}

func TestServer_NotifyNotImplemented(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))

	q := newQuery("mayfly.test.", dns.TypeSOA)
	q.Opcode = dns.OpcodeNotify
	reply := exchange(t, "udp", srv.UDPAddr(), q)

	if reply.Rcode != dns.RcodeNotImplemented {
		t.Errorf("rcode: got %s, want NOTIMP", dns.RcodeToString[reply.Rcode])
	}
	if reply.Opcode != dns.OpcodeNotify {
		t.Errorf("opcode: got %d, want %d", reply.Opcode, dns.OpcodeNotify)
	}
	if reply.Authoritative || len(reply.Answer) != 0 {
		t.Errorf("reply: got AA %v and %d answers, want neither", reply.Authoritative, len(reply.Answer))
	}
}
