package dnsserver

import (
	"testing"

	"github.com/miekg/dns"
)

// FuzzServeDNS feeds raw packets to the handler over both transports. The
// handler must not panic, must write at most one reply, must never answer a
// response, and every reply must pack, carry the query's ID and fit the
// transport's size limit. The seeds in testdata/fuzz/FuzzServeDNS run as
// regression tests with every go test.
func FuzzServeDNS(f *testing.F) {
	// The fuzz function may not log through f, so the server logs nowhere.
	srv, err := New(Config{Addr: "127.0.0.1:0", Source: fixedSource(testState())})
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
	if w.replies() != 1 {
		t.Fatalf("%s replies: got %d, want 1", network, w.replies())
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
