package dnsserver

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The folders under testdata hold query files written against a generic
// zone for example.test (its zone.db). Each test below walks its query
// file line by line. For each line it sends the same kind of query for a
// name the fixture serves, with the line's dig options.

// digLine is one line of a query file, the Mayfly question it becomes and
// the checks on dig's reply.
type digLine struct {
	line  string // the line as written in the query file
	qtype string
	qname string
	check func(t *testing.T, r digReply)
}

// readLines returns the non-empty lines of a test data file.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return lines
}

// runDigLines checks that the query file matches lines one to one, then
// runs each line against srv.
func runDigLines(t *testing.T, srv testServer, file string, lines []digLine) {
	t.Helper()
	fileLines := readLines(t, file)
	if len(fileLines) != len(lines) {
		t.Fatalf("%s: got %d lines, want %d", file, len(fileLines), len(lines))
	}
	for i, dl := range lines {
		if fileLines[i] != dl.line {
			t.Fatalf("%s line %d: got %q, want %q", file, i+1, fileLines[i], dl.line)
		}
		t.Run(fmt.Sprintf("line %d %s %s", i+1, dl.qtype, dl.qname), func(t *testing.T) {
			dl.check(t, runDig(t, digArgs(t, dl.line, srv.UDPAddr(), dl.qtype, dl.qname)))
		})
	}
}

// checkNegative returns a check for an authoritative negative answer: the
// status, no answer records and the zone's SOA in authority with TTL 300,
// the smaller of the SOA TTL (3600) and its minimum (300).
func checkNegative(status, zone string) func(t *testing.T, r digReply) {
	return func(t *testing.T, r digReply) {
		t.Helper()
		if r.status != status {
			t.Errorf("status: got %s, want %s", r.status, status)
		}
		if !r.hasFlag("aa") {
			t.Errorf("flags: got %v, want aa set", r.flags)
		}
		if len(r.answer) != 0 {
			t.Errorf("answer records: got %d, want 0", len(r.answer))
		}
		if len(r.authority) != 1 || r.authority[0].Header().Rrtype != dns.TypeSOA {
			t.Fatalf("authority: got %v, want the SOA of %s", r.authority, zone)
		}
		soa := r.authority[0]
		if soa.Header().Name != zone || soa.Header().Ttl != testNegative {
			t.Errorf("authority SOA: got %s with TTL %d, want %s with TTL %d", soa.Header().Name, soa.Header().Ttl, zone, testNegative)
		}
	}
}

func TestServer_NoDataVersusNXDomain(t *testing.T) {
	requireDig(t)
	srv := startServer(t, fixedSource(testState()))

	const prefix = "dig @127.0.0.1 -p 5353 +norec "
	runDigLines(t, srv, filepath.Join("testdata", "nodata-vs-nxdomain", "dns-query.txt"), []digLine{
		// The apex has SOA, NS, MX and TXT but no address.
		{line: prefix + "A example.test", qtype: "A", qname: "mayfly.test.", check: checkNegative("NOERROR", "mayfly.test.")},
		{line: prefix + "AAAA example.test", qtype: "AAAA", qname: "mayfly.test.", check: checkNegative("NOERROR", "mayfly.test.")},
		// b.mx has A records only.
		{line: prefix + "AAAA mx.example.test", qtype: "AAAA", qname: "b.mx.mayfly-ops.test.", check: checkNegative("NOERROR", "mayfly-ops.test.")},
		// mx.mayfly-ops.test exists only because a.mx, b.mx and the others
		// sit below it: an empty non-terminal.
		{line: prefix + "TXT _domainkey.example.test", qtype: "TXT", qname: "mx.mayfly-ops.test.", check: checkNegative("NOERROR", "mayfly-ops.test.")},
		{line: prefix + "A _domainkey.example.test", qtype: "A", qname: "mx.mayfly-ops.test.", check: checkNegative("NOERROR", "mayfly-ops.test.")},
		{line: prefix + "TXT nothere.example.test", qtype: "TXT", qname: "nothere.mayfly.test.", check: checkNegative("NXDOMAIN", "mayfly.test.")},
		// A name below a name with records does not exist.
		{line: prefix + "TXT x.sel1._domainkey.example.test", qtype: "TXT", qname: "x._dmarc.mayfly.test.", check: checkNegative("NXDOMAIN", "mayfly.test.")},
		{line: prefix + "MX example.test", qtype: "MX", qname: "mayfly.test.", check: func(t *testing.T, r digReply) {
			if r.status != "NOERROR" || !r.hasFlag("aa") {
				t.Errorf("reply: got status %s flags %v, want NOERROR with aa", r.status, r.flags)
			}
			assertRecords(t, "answer", r.answer, mustRRs(t,
				"mayfly.test. 3600 IN MX 10 a.mx.mayfly-ops.test.",
				"mayfly.test. 3600 IN MX 10 b.mx.mayfly-ops.test.",
			))
			assertRecords(t, "additional", r.additional, mustRRs(t, localMXGlue...))
		}},
	})
}

func TestServer_EDNSBufferSizeAndVersion(t *testing.T) {
	requireDig(t)
	srv := startServer(t, fixedSource(testState()))

	// The big TXT RRset of the generic zone becomes the MX RRset of
	// big-mayfly.test: twelve edges, more than 512 octets, less than 1232.
	const prefix = "dig @127.0.0.1 -p 5353 +norec "
	runDigLines(t, srv, filepath.Join("testdata", "edns-truncation", "dns-query.txt"), []digLine{
		{line: prefix + "+noedns +ignore +notcp TXT big.example.test", qtype: "MX", qname: "big-mayfly.test.", check: func(t *testing.T, r digReply) {
			checkSize(t, r, 512)
			checkTruncated(t, r, true)
			checkNoOPT(t, r)
		}},
		{line: prefix + "+noedns +tcp TXT big.example.test", qtype: "MX", qname: "big-mayfly.test.", check: func(t *testing.T, r digReply) {
			checkTruncated(t, r, false)
			checkNoOPT(t, r)
			checkAnswerCount(t, r, bigEdges)
		}},
		{line: prefix + "+bufsize=1232 +nocookie +ignore +notcp TXT big.example.test", qtype: "MX", qname: "big-mayfly.test.", check: func(t *testing.T, r digReply) {
			checkSize(t, r, 1232)
			checkTruncated(t, r, false)
			checkOPT(t, r)
			checkAnswerCount(t, r, bigEdges)
		}},
		{line: prefix + "+bufsize=512 +nocookie +ignore +notcp TXT big.example.test", qtype: "MX", qname: "big-mayfly.test.", check: func(t *testing.T, r digReply) {
			checkSize(t, r, 512)
			checkTruncated(t, r, true)
			checkOPT(t, r)
		}},
		{line: prefix + "+edns=1 +noednsnegotiation +nocookie SOA example.test", qtype: "SOA", qname: "mayfly.test.", check: func(t *testing.T, r digReply) {
			if r.status != "BADVERS" {
				t.Errorf("status: got %s, want BADVERS", r.status)
			}
			checkOPT(t, r)
			if want := []string{"mayfly.test. IN SOA"}; !slices.Equal(r.question, want) {
				t.Errorf("question: got %q, want %q", r.question, want)
			}
			checkAnswerCount(t, r, 0)
		}},
		{line: prefix + "+nocookie +ednsopt=65001:deadbeef SOA example.test", qtype: "SOA", qname: "mayfly.test.", check: func(t *testing.T, r digReply) {
			if r.status != "NOERROR" {
				t.Errorf("status: got %s, want NOERROR", r.status)
			}
			assertRecords(t, "answer", r.answer, mustRRs(t, mayflySOA))
			checkOPT(t, r)
			if strings.Contains(r.output, "; OPT=65001") {
				t.Errorf("option 65001: got it echoed, want it ignored")
			}
		}},
	})
}

func checkSize(t *testing.T, r digReply, limit int) {
	t.Helper()
	if r.size == 0 || r.size > limit {
		t.Errorf("reply size: got %d octets, want 1 to %d", r.size, limit)
	}
}

func checkTruncated(t *testing.T, r digReply, want bool) {
	t.Helper()
	if got := r.hasFlag("tc"); got != want {
		t.Errorf("TC: got %v (flags %v), want %v", got, r.flags, want)
	}
}

func checkNoOPT(t *testing.T, r digReply) {
	t.Helper()
	if r.ednsSeen {
		t.Errorf("OPT: got one, want none for a query without EDNS")
	}
}

func checkOPT(t *testing.T, r digReply) {
	t.Helper()
	if !r.ednsSeen || r.ednsVer != 0 || r.ednsUDP != maxUDPSize {
		t.Errorf("OPT: got present %v version %d udp %d, want version 0 udp %d", r.ednsSeen, r.ednsVer, r.ednsUDP, maxUDPSize)
	}
}

func checkAnswerCount(t *testing.T, r digReply, want int) {
	t.Helper()
	if len(r.answer) != want {
		t.Errorf("answer records: got %d, want %d", len(r.answer), want)
	}
}

// probeID is the ID of the valid query sent after each malformed packet.
const probeID = 0x7777

// sendMalformed sends packet and then a valid probe query from the same
// socket, and returns every reply other than the probe's. The probe's reply
// shows the server is still up, and replies are collected for a short
// while after it because the server answers packets concurrently.
func sendMalformed(t *testing.T, addr net.Addr, packet []byte) [][]byte {
	t.Helper()
	conn, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()

	probe := newQuery("mayfly.test.", dns.TypeSOA)
	probe.Id = probeID
	probePacket, err := probe.Pack()
	if err != nil {
		t.Fatalf("pack probe: %v", err)
	}
	for _, p := range [][]byte{packet, probePacket} {
		if _, err := conn.Write(p); err != nil {
			t.Fatalf("write: %v", err)
		}
	}

	var others [][]byte
	deadline := time.Now().Add(2 * time.Second)
	probeSeen := false
	for {
		if err := conn.SetReadDeadline(deadline); err != nil {
			t.Fatalf("set deadline: %v", err)
		}
		buf := make([]byte, dns.MaxMsgSize)
		n, err := conn.Read(buf)
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			break
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if n >= 2 && buf[0] == probeID>>8 && buf[1] == probeID&0xff && !probeSeen {
			probeSeen = true
			deadline = time.Now().Add(250 * time.Millisecond)
			continue
		}
		others = append(others, buf[:n])
	}
	if !probeSeen {
		t.Fatalf("probe query: got no reply, want one")
	}
	return others
}

func TestServer_MalformedQueries(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))
	dir := filepath.Join("testdata", "malformed-queries")

	// noReply marks a packet that must get no reply at all.
	const noReply = -1
	want := map[string]int{
		"a-qdcount-zero.hex":             dns.RcodeFormatError,
		"b-truncated-question.hex":       dns.RcodeFormatError,
		"c-two-questions.hex":            dns.RcodeFormatError,
		"d-shorter-than-header.hex":      noReply,
		"e-compression-pointer-loop.hex": dns.RcodeFormatError,
		"f-unknown-opcode.hex":           dns.RcodeNotImplemented,
		// Never answer a response, so two servers cannot loop.
		"g-qr-bit-set.hex": noReply,
	}

	lines := readLines(t, filepath.Join(dir, "dns-query.txt"))
	if len(lines) != len(want)+1 {
		t.Fatalf("query file: got %d lines, want %d", len(lines), len(want)+1)
	}
	for _, line := range lines[:len(want)] {
		// Each line reads: xxd -r -p FILE | nc ...
		name := strings.Fields(line)[3]
		wantRcode, ok := want[name]
		if !ok {
			t.Fatalf("query file names %q, which has no expectation", name)
		}
		t.Run(name, func(t *testing.T) {
			packet := readHexPacket(t, filepath.Join(dir, name))
			replies := sendMalformed(t, srv.UDPAddr(), packet)
			checkMalformedReplies(t, packet, replies, wantRcode)
		})
	}

	t.Run("server still answers", func(t *testing.T) {
		line := lines[len(lines)-1]
		r := runDig(t, digArgs(t, line, srv.UDPAddr(), "SOA", "mayfly.test."))
		if r.status != "NOERROR" || !r.hasFlag("aa") {
			t.Errorf("reply: got status %s flags %v, want NOERROR with aa", r.status, r.flags)
		}
		assertRecords(t, "answer", r.answer, mustRRs(t, mayflySOA))
	})

	if n := srv.logErrors.Load(); n != 0 {
		t.Errorf("error log records: got %d, want 0 (a panic is logged at error level)", n)
	}
}

func readHexPacket(t *testing.T, path string) []byte {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	packet, err := hex.DecodeString(strings.TrimSpace(string(text)))
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return packet
}

// checkMalformedReplies checks the replies to one malformed packet. A
// negative wantRcode means no reply. Otherwise there must be exactly one,
// with the packet's ID, QR set and rcode wantRcode. It may be no larger
// than the packet plus an OPT record, so the server cannot amplify.
func checkMalformedReplies(t *testing.T, packet []byte, replies [][]byte, wantRcode int) {
	t.Helper()
	if wantRcode < 0 {
		if len(replies) != 0 {
			t.Errorf("replies: got %d, want none", len(replies))
		}
		return
	}
	if len(replies) != 1 {
		t.Fatalf("replies: got %d, want 1", len(replies))
	}
	raw := replies[0]
	if limit := max(len(packet), 12) + 11; len(raw) > limit {
		t.Errorf("reply size: got %d octets, want at most %d", len(raw), limit)
	}
	reply := new(dns.Msg)
	if err := reply.Unpack(raw); err != nil {
		t.Fatalf("unpack reply: %v", err)
	}
	wantID := uint16(packet[0])<<8 | uint16(packet[1])
	if reply.Id != wantID {
		t.Errorf("ID: got %#04x, want %#04x", reply.Id, wantID)
	}
	if !reply.Response {
		t.Errorf("QR: got false, want true")
	}
	if reply.Rcode != wantRcode {
		t.Errorf("rcode: got %s, want %s", dns.RcodeToString[reply.Rcode], dns.RcodeToString[wantRcode])
	}
}
