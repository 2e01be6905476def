package dnsserver

import (
	"testing"

	"github.com/miekg/dns"
)

// FuzzServeDNS feeds raw packets to the handler over both transports, with
// every feature on: signed zones, GeoDNS, cookies and zone transfers to
// the writer's address with the test key. The handler must not panic, must
// write exactly one reply (or the messages of an allowed transfer over
// TCP), must never answer a response, and every reply must pack, unpack,
// carry the query's ID and fit the transport's size limit. The seeds in
// testdata/fuzz/FuzzServeDNS run as regression tests with every go test.
// The rate limit is off, because it may drop replies on purpose; its own
// tests cover it.
func FuzzServeDNS(f *testing.F) {
	// The fuzz function may not log through f, so the server logs nowhere.
	srv, err := New(Config{
		Addr:     "127.0.0.1:0",
		Source:   fixedSource(signedState(f)),
		Transfer: transferConfig(),
		Geo:      geoConfig(),
	})
	if err != nil {
		f.Fatalf("New: %v", err)
	}

	f.Fuzz(func(t *testing.T, packet []byte) {
		// When Unpack fails the dns library answers FORMERR itself and never
		// calls the handler, but the partly filled message is still a good
		// test that the handler copes with anything.
		req := new(dns.Msg)
		_ = req.Unpack(packet)

		for _, network := range []string{"udp", "tcp"} {
			w := newRecordingWriter(network)
			srv.ServeDNS(w, req)
			checkFuzzReply(t, req, w, network)
		}
	})
}

func checkFuzzReply(t *testing.T, req *dns.Msg, w *recordingWriter, network string) {
	t.Helper()
	if w.packErr != nil {
		t.Fatalf("%s reply does not pack: %v", network, w.packErr)
	}
	if req.Response {
		if w.replies() != 0 {
			t.Fatalf("%s: got a reply to a response, want none", network)
		}
		return
	}
	if isTransferQuery(req) && network == "tcp" && w.replies() >= 1 {
		for _, packed := range w.packed {
			if err := new(dns.Msg).Unpack(packed); err != nil {
				t.Fatalf("transfer message does not unpack: %v", err)
			}
		}
		return
	}
	if w.replies() != 1 {
		t.Fatalf("%s replies: got %d, want 1", network, w.replies())
	}
	if err := new(dns.Msg).Unpack(w.packed[0]); err != nil {
		t.Fatalf("%s reply does not unpack: %v", network, err)
	}

	reply := w.lastReply()
	if reply.Id != req.Id || !reply.Response {
		t.Errorf("%s reply: got ID %d QR %v, want ID %d QR true", network, reply.Id, reply.Response, req.Id)
	}
	if network == "udp" && len(w.packed[0]) > maxUDPSize {
		t.Errorf("udp reply size: got %d octets, want at most %d", len(w.packed[0]), maxUDPSize)
	}
	if network == "udp" && req.IsEdns0() == nil && len(w.packed[0]) > dns.MinMsgSize {
		t.Errorf("udp reply size without EDNS: got %d octets, want at most %d", len(w.packed[0]), dns.MinMsgSize)
	}
}

func isTransferQuery(req *dns.Msg) bool {
	return len(req.Question) == 1 && (req.Question[0].Qtype == dns.TypeAXFR || req.Question[0].Qtype == dns.TypeIXFR)
}
