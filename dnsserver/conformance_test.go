package dnsserver

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// conformanceCase is one query of the conformance table and the reply it
// must get, whatever the client and transport.
type conformanceCase struct {
	name   string
	qname  string
	qtype  uint16
	qclass uint16 // IN when zero
	opcode int
	edns   bool // send an OPT record with a 4096-octet payload size
	// The expected reply.
	rcode     int
	aa        bool
	answer    []string // records, any order
	authority []string
	extra     []string // without the OPT record
	// noDig leaves the case out of the dig run, for queries dig cannot
	// send as a plain query.
	noDig bool
}

// conformanceCases covers every rule of the package documentation that a
// single query and reply can show.
var conformanceCases = []conformanceCase{
	{name: "apex SOA", qname: "mayfly.test.", qtype: dns.TypeSOA, aa: true, answer: []string{mayflySOA}},
	{name: "apex NS with glue", qname: "mayfly.test.", qtype: dns.TypeNS, aa: true,
		answer: []string{"mayfly.test. 3600 IN NS ns1.mayfly-ops.test.", "mayfly.test. 3600 IN NS ns2.mayfly-ops.test."},
		extra:  nameServerGlue},
	{name: "active MX with glue", qname: "mayfly.test.", qtype: dns.TypeMX, aa: true,
		answer: []string{"mayfly.test. 3600 IN MX 10 a.mx.mayfly-ops.test.", "mayfly.test. 3600 IN MX 10 b.mx.mayfly-ops.test."},
		extra:  localMXGlue},
	{name: "retired null MX", qname: "old-mayfly.test.", qtype: dns.TypeMX, aa: true,
		answer: []string{"old-mayfly.test. 3600 IN MX 0 ."}},
	{name: "retired keeps SPF", qname: "old-mayfly.test.", qtype: dns.TypeTXT, aa: true,
		answer: []string{`old-mayfly.test. 3600 IN TXT "v=spf1 -all"`}},
	{name: "retired keeps DMARC", qname: "_dmarc.old-mayfly.test.", qtype: dns.TypeTXT, aa: true,
		answer: []string{`_dmarc.old-mayfly.test. 3600 IN TXT "v=DMARC1; p=reject"`}},
	{name: "SPF", qname: "mayfly.test.", qtype: dns.TypeTXT, aa: true,
		answer: []string{`mayfly.test. 3600 IN TXT "v=spf1 -all"`}},
	{name: "DMARC", qname: "_dmarc.mayfly.test.", qtype: dns.TypeTXT, aa: true,
		answer: []string{`_dmarc.mayfly.test. 3600 IN TXT "v=DMARC1; p=reject"`}},
	{name: "ops host A", qname: "a.mx.mayfly-ops.test.", qtype: dns.TypeA, aa: true,
		answer: []string{"a.mx.mayfly-ops.test. 3600 IN A 192.0.2.25"}},
	{name: "name server AAAA", qname: "ns1.mayfly-ops.test.", qtype: dns.TypeAAAA, aa: true,
		answer: []string{"ns1.mayfly-ops.test. 3600 IN AAAA 2001:db8::53"}},
	{name: "NODATA at apex", qname: "mayfly.test.", qtype: dns.TypeA, aa: true,
		authority: []string{mayflyNegativeSOA}},
	{name: "NODATA for a host's missing type", qname: "b.mx.mayfly-ops.test.", qtype: dns.TypeAAAA, aa: true,
		authority: []string{opsNegativeSOA}},
	{name: "NODATA at empty non-terminal", qname: "mx.mayfly-ops.test.", qtype: dns.TypeA, aa: true,
		authority: []string{opsNegativeSOA}},
	{name: "NXDOMAIN", qname: "nothere.mayfly.test.", qtype: dns.TypeTXT, rcode: dns.RcodeNameError, aa: true,
		authority: []string{mayflyNegativeSOA}},
	{name: "NXDOMAIN below a leaf", qname: "x._dmarc.mayfly.test.", qtype: dns.TypeTXT, rcode: dns.RcodeNameError, aa: true,
		authority: []string{mayflyNegativeSOA}},
	{name: "question case preserved", qname: "MaYfLy.TeSt.", qtype: dns.TypeTXT, aa: true,
		answer: []string{`MaYfLy.TeSt. 3600 IN TXT "v=spf1 -all"`}},
	{name: "minimal ANY", qname: "mayfly.test.", qtype: dns.TypeANY, aa: true,
		answer: []string{`mayfly.test. 3600 IN HINFO "RFC8482" ""`}},
	{name: "EDNS reply", qname: "mayfly.test.", qtype: dns.TypeSOA, edns: true, aa: true, answer: []string{mayflySOA}},
	{name: "outside our zones", qname: "example.org.", qtype: dns.TypeA, rcode: dns.RcodeRefused},
	{name: "parent of a pool domain", qname: "test.", qtype: dns.TypeSOA, rcode: dns.RcodeRefused},
	{name: "standby domain", qname: "spare-mayfly.test.", qtype: dns.TypeMX, rcode: dns.RcodeRefused},
	{name: "class CH", qname: "mayfly.test.", qtype: dns.TypeSOA, qclass: dns.ClassCHAOS, rcode: dns.RcodeRefused},
	{name: "class HS", qname: "mayfly.test.", qtype: dns.TypeSOA, qclass: dns.ClassHESIOD, rcode: dns.RcodeRefused},
	{name: "opcode STATUS", qname: "mayfly.test.", qtype: dns.TypeSOA, opcode: dns.OpcodeStatus, rcode: dns.RcodeNotImplemented},
	{name: "opcode UPDATE", qname: "mayfly.test.", qtype: dns.TypeSOA, opcode: dns.OpcodeUpdate, rcode: dns.RcodeNotImplemented},
	{name: "AXFR without permission", qname: "mayfly.test.", qtype: dns.TypeAXFR, rcode: dns.RcodeRefused, noDig: true},
	{name: "IXFR without permission", qname: "mayfly.test.", qtype: dns.TypeIXFR, rcode: dns.RcodeRefused, noDig: true},
}

// TestConformance_MiekgClient runs the conformance table over UDP and TCP
// with the dns library's client.
func TestConformance_MiekgClient(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))

	for _, network := range []string{"udp", "tcp"} {
		for _, tc := range conformanceCases {
			t.Run(network+"/"+tc.name, func(t *testing.T) {
				reply := exchange(t, network, srv.UDPAddr(), tc.query())
				tc.check(t, conformanceReply{
					rcode: reply.Rcode, aa: reply.Authoritative,
					question: reply.Question, answer: reply.Answer, authority: reply.Ns, extra: reply.Extra,
					opt: reply.IsEdns0(),
				})
			})
		}
	}
}

// TestConformance_Dig runs the same table through dig, over UDP and TCP.
func TestConformance_Dig(t *testing.T) {
	requireDig(t)
	srv := startServer(t, fixedSource(testState()))
	host, port := splitAddr(t, srv.UDPAddr().String())

	for _, network := range []string{"udp", "tcp"} {
		for _, tc := range conformanceCases {
			if tc.noDig {
				continue
			}
			t.Run(network+"/"+tc.name, func(t *testing.T) {
				r := runDig(t, tc.digArgs(host, port, network == "tcp"))
				reply := conformanceReply{
					rcode: rcodeFromDig(t, r.status), aa: r.hasFlag("aa"),
					answer: r.answer, authority: r.authority, extra: r.additional,
				}
				if len(r.question) == 1 {
					reply.digQuestion = r.question[0]
				}
				if r.ednsSeen {
					reply.opt = &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT, Class: uint16(r.ednsUDP)}}
				}
				tc.check(t, reply)
			})
		}
	}
}

// conformanceReply is the part of a reply the table checks, from either
// client.
type conformanceReply struct {
	rcode       int
	aa          bool
	question    []dns.Question
	digQuestion string // the question line as dig prints it
	answer      []dns.RR
	authority   []dns.RR
	extra       []dns.RR
	opt         *dns.OPT
}

func (tc conformanceCase) query() *dns.Msg {
	m := newQuery(tc.qname, tc.qtype)
	m.Opcode = tc.opcode
	if tc.qclass != 0 {
		m.Question[0].Qclass = tc.qclass
	}
	if tc.edns {
		m.SetEdns0(4096, false)
	}
	return m
}

func (tc conformanceCase) digArgs(host, port string, tcp bool) []string {
	args := []string{"@" + host, "-p", port, "+norec", "+time=5", "+tries=1", "+nocookie"}
	if tcp {
		args = append(args, "+tcp")
	} else {
		args = append(args, "+notcp", "+ignore")
	}
	if tc.edns {
		args = append(args, "+edns=0", "+bufsize=4096")
	} else {
		args = append(args, "+noedns")
	}
	if tc.opcode != 0 {
		args = append(args, "+opcode="+strconv.Itoa(tc.opcode))
	}
	class := "IN"
	if tc.qclass != 0 {
		class = dns.ClassToString[tc.qclass]
	}
	return append(args, "-c", class, "-t", dns.TypeToString[tc.qtype], "-q", tc.qname)
}

func (tc conformanceCase) check(t *testing.T, r conformanceReply) {
	t.Helper()
	if r.rcode != tc.rcode {
		t.Errorf("rcode: got %s, want %s", dns.RcodeToString[r.rcode], dns.RcodeToString[tc.rcode])
	}
	if r.aa != tc.aa {
		t.Errorf("AA: got %v, want %v", r.aa, tc.aa)
	}
	tc.checkQuestion(t, r)
	assertRecords(t, "answer", r.answer, mustRRs(t, tc.answer...))
	assertRecords(t, "authority", r.authority, mustRRs(t, tc.authority...))
	assertRecords(t, "additional", r.extra, mustRRs(t, tc.extra...))

	switch {
	case tc.edns && r.opt == nil:
		t.Errorf("OPT: got none, want one")
	case tc.edns && r.opt.UDPSize() != maxUDPSize:
		t.Errorf("advertised UDP size: got %d, want %d", r.opt.UDPSize(), maxUDPSize)
	case !tc.edns && r.opt != nil:
		t.Errorf("OPT: got one in the reply to a query without EDNS, want none")
	}
}

// checkQuestion checks that the question is echoed with its letter case.
func (tc conformanceCase) checkQuestion(t *testing.T, r conformanceReply) {
	t.Helper()
	if r.digQuestion != "" {
		want := tc.qname
		if !strings.HasPrefix(r.digQuestion, want+" ") {
			t.Errorf("question: got %q, want it to start with %q", r.digQuestion, want)
		}
		return
	}
	if r.question == nil {
		return // dig prints no question for some opcodes
	}
	if len(r.question) != 1 || r.question[0].Name != tc.qname {
		t.Errorf("question: got %v, want %s", r.question, tc.qname)
	}
}

// rcodeFromDig maps dig's status word to an rcode.
func rcodeFromDig(t *testing.T, status string) int {
	t.Helper()
	rcode, ok := dns.StringToRcode[status]
	if !ok {
		t.Fatalf("unknown dig status %q", status)
	}
	return rcode
}

func splitAddr(t *testing.T, addr string) (string, string) {
	t.Helper()
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		t.Fatalf("address %q has no port", addr)
	}
	return addr[:i], addr[i+1:]
}

// TestConformance_DefaultUDPSize checks that a reply to an EDNS query
// advertises 1232 octets whatever size the client offers.
func TestConformance_DefaultUDPSize(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))
	for _, offered := range []uint16{512, 1232, 4096, 65535} {
		t.Run(fmt.Sprint(offered), func(t *testing.T) {
			reply := exchange(t, "udp", srv.UDPAddr(), withEDNS(newQuery("mayfly.test.", dns.TypeSOA), offered))
			if opt := reply.IsEdns0(); opt == nil || opt.UDPSize() != maxUDPSize {
				t.Errorf("reply OPT: got %v, want UDP size %d", opt, maxUDPSize)
			}
		})
	}
}
