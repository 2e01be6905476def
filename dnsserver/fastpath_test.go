package dnsserver

import (
	"bytes"
	"net"
	"testing"

	"github.com/miekg/dns"
)

// TestParsePlainQuery_MatchesCacheKey checks that the fast path derives the
// same cache key from the packet as the full path does from the unpacked
// query, and that it leaves every other query to the full path.
func TestParsePlainQuery_MatchesCacheKey(t *testing.T) {
	srv := newTestHandler(t, testState())
	zones := srv.zones.get()
	withOption := withEDNS(newQuery("mayfly.test.", dns.TypeMX), 1232)
	withOption.IsEdns0().Option = append(withOption.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	twoQuestions := newQuery("mayfly.test.", dns.TypeMX)
	twoQuestions.Question = append(twoQuestions.Question, twoQuestions.Question[0])
	notify := newQuery("mayfly.test.", dns.TypeSOA)
	notify.Opcode = dns.OpcodeNotify
	version1 := withEDNS(newQuery("mayfly.test.", dns.TypeSOA), 1232)
	version1.IsEdns0().SetVersion(1)
	signed := newQuery("mayfly.test.", dns.TypeSOA)
	signed.SetTsig(testKeyName, dns.HmacSHA256, 300, 0)

	plain := []*dns.Msg{
		newQuery("mayfly.test.", dns.TypeMX),
		newQuery("MaYfLy.TeSt.", dns.TypeTXT),
		newQuery("_dmarc.mayfly.test.", dns.TypeTXT),
		withEDNS(newQuery("mayfly.test.", dns.TypeSOA), 4096),
		withEDNS(newQuery("nothere.mayfly.test.", dns.TypeA), 100),
		withDO(newQuery("mayfly.test.", dns.TypeMX), true),
	}
	for _, m := range plain {
		packet, err := m.Pack()
		if err != nil {
			t.Fatalf("pack: %v", err)
		}
		q, ok := parsePlainQuery(packet)
		want, cacheable := srv.cacheKey(srv.newRequest(newRecordingWriter("udp"), m), zones)
		if !ok || !cacheable || q.key != want {
			t.Errorf("%s: fast key %+v (ok %v), want %+v (cacheable %v)", m.Question[0].String(), q.key, ok, want, cacheable)
		}
	}

	escaped := newQuery(`we\.ird.mayfly.test.`, dns.TypeA)
	for name, m := range map[string]*dns.Msg{
		"EDNS option": withOption, "two questions": twoQuestions, "NOTIFY": notify,
		"EDNS version 1": version1, "TSIG": signed, "escaped label": escaped,
	} {
		packet, err := m.Pack()
		if err != nil {
			t.Fatalf("pack %s: %v", name, err)
		}
		if _, ok := parsePlainQuery(packet); ok {
			t.Errorf("%s: got a fast-path key, want the full path", name)
		}
		if _, ok := parsePlainQuery(append(packet, 0)); ok {
			t.Errorf("%s with a trailing octet: got a fast-path key, want the full path", name)
		}
	}
}

// FuzzUDPAnswer sends each packet twice through the UDP answer path, so
// that the second time a cached reply may be sent from the raw packet
// without unpacking it. Both replies must be byte for byte the same, and a
// reply must unpack and carry the query's ID.
func FuzzUDPAnswer(f *testing.F) {
	srv, err := New(Config{Addr: "127.0.0.1:0", Source: fixedSource(signedState(f)), Transfer: transferConfig(), Geo: geoConfig()})
	if err != nil {
		f.Fatalf("New: %v", err)
	}
	loop := &udpLoop{srv: srv, local: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}}
	remote := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 9), Port: 5300}
	for _, m := range []*dns.Msg{
		newQuery("mayfly.test.", dns.TypeMX),
		withEDNS(newQuery("big-mayfly.test.", dns.TypeMX), 512),
		withDO(newQuery("nothere.mayfly.test.", dns.TypeA), false),
	} {
		packet, err := m.Pack()
		if err != nil {
			f.Fatalf("pack seed: %v", err)
		}
		f.Add(packet)
	}

	f.Fuzz(func(t *testing.T, packet []byte) {
		first := bytes.Clone(loop.answer(packet, remote, make([]byte, 0, 2048)))
		second := loop.answer(packet, remote, make([]byte, 0, 2048))
		if !bytes.Equal(first, second) {
			t.Fatalf("second reply differs from the first:\n%x\n%x", first, second)
		}
		if first == nil {
			return
		}
		reply := new(dns.Msg)
		if err := reply.Unpack(first); err != nil {
			t.Fatalf("reply does not unpack: %v", err)
		}
		if len(packet) < 2 || reply.Id != uint16(packet[0])<<8|uint16(packet[1]) || !reply.Response {
			t.Fatalf("reply: got ID %d QR %v, want the query's ID and QR", reply.Id, reply.Response)
		}
		if len(first) > maxUDPSize {
			t.Fatalf("reply size: got %d octets, want at most %d", len(first), maxUDPSize)
		}
	})
}
