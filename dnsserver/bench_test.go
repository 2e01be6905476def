package dnsserver

import (
	"testing"

	"github.com/miekg/dns"
)

// discardWriter is a dns.ResponseWriter that drops every reply, so the
// benchmark measures building the answer and not packing or sending it.
type discardWriter struct{ recordingWriter }

func (discardWriter) WriteMsg(*dns.Msg) error { return nil }

func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkServeDNS_MX measures the answer path of an MX query for an
// active pool domain over UDP with EDNS: zone set lookup, answer, glue and
// the size check.
func BenchmarkServeDNS_MX(b *testing.B) {
	srv, err := New(Config{Addr: "127.0.0.1:0", Source: fixedSource(testState())})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	req := withEDNS(newQuery("mayfly.test.", dns.TypeMX), 1232)
	w := &discardWriter{recordingWriter: *newRecordingWriter("udp")}
	if reply := srv.buildReply(srv.newRequest(w, req)); len(reply.Answer) != 2 || len(reply.Extra) != 5 {
		b.Fatalf("reply: got %d answers and %d additional, want 2 and 5", len(reply.Answer), len(reply.Extra))
	}

	b.ReportAllocs()
	for b.Loop() {
		srv.ServeDNS(w, req)
	}
}
