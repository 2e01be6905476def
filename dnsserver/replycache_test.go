package dnsserver

import (
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// TestReplyCache_SameAsBuilt sends every query of the conformance table
// twice, the second time with another ID and the RD and CD bits flipped,
// and checks that the cached second reply differs from a freshly built one
// only where the query did.
func TestReplyCache_SameAsBuilt(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))

	for _, network := range []string{"udp", "tcp"} {
		for _, tc := range conformanceCases {
			t.Run(network+"/"+tc.name, func(t *testing.T) {
				first := exchange(t, network, srv.UDPAddr(), tc.query())
				q := tc.query()
				q.Id = first.Id + 1
				q.RecursionDesired, q.CheckingDisabled = true, true
				second := exchange(t, network, srv.UDPAddr(), q)

				if second.Id != q.Id || !second.RecursionDesired || !second.CheckingDisabled {
					t.Errorf("cached reply header: got ID %d RD %v CD %v, want ID %d RD and CD set", second.Id, second.RecursionDesired, second.CheckingDisabled, q.Id)
				}
				second.Id, second.RecursionDesired, second.CheckingDisabled = first.Id, first.RecursionDesired, first.CheckingDisabled
				if got, want := second.String(), first.String(); got != want {
					t.Errorf("cached reply:\n%s\nwant\n%s", got, want)
				}
			})
		}
	}
}

// TestReplyCache_NewStateNewReplies checks that a reply cached before a
// state change is not sent after it.
func TestReplyCache_NewStateNewReplies(t *testing.T) {
	var current atomic.Pointer[state.State]
	current.Store(testState())
	srv := startServer(t, current.Load)
	exchange(t, "udp", srv.UDPAddr(), newQuery("old-mayfly.test.", dns.TypeMX))

	next := current.Load().Clone()
	next.Index++
	d := next.Domains["old-mayfly.test"]
	d.Status, d.Serial = state.Active, d.Serial+1
	next.Domains["old-mayfly.test"] = d
	current.Store(next)

	reply := exchange(t, "udp", srv.UDPAddr(), newQuery("old-mayfly.test.", dns.TypeMX))
	assertRecords(t, "answer after the change", reply.Answer, mustRRs(t,
		"old-mayfly.test. 3600 IN MX 10 a.mx.mayfly-ops.test.",
		"old-mayfly.test. 3600 IN MX 10 b.mx.mayfly-ops.test.",
	))
}

// TestReplyCache_KeepsQuestionCase checks that a query in another letter
// case is not answered from the entry of the first.
func TestReplyCache_KeepsQuestionCase(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))
	exchange(t, "udp", srv.UDPAddr(), newQuery("mayfly.test.", dns.TypeTXT))

	reply := exchange(t, "udp", srv.UDPAddr(), newQuery("MAYFLY.test.", dns.TypeTXT))
	if reply.Question[0].Name != "MAYFLY.test." || reply.Answer[0].Header().Name != "MAYFLY.test." {
		t.Errorf("question and owner: got %s and %s, want MAYFLY.test.", reply.Question[0].Name, reply.Answer[0].Header().Name)
	}
}

func BenchmarkServeDNS_CachedMX(b *testing.B) {
	srv, err := New(Config{Addr: "127.0.0.1:0", Source: fixedSource(testState())})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	req := newQuery("mayfly.test.", dns.TypeMX)
	w := &discardWriter{recordingWriter: *newRecordingWriter("udp")}
	srv.ServeDNS(w, req)

	b.ReportAllocs()
	for b.Loop() {
		srv.ServeDNS(w, req)
	}
}
