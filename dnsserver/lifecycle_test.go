package dnsserver

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

func TestNew_InvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "empty address", cfg: Config{Source: fixedSource(testState())}},
		{name: "nil source", cfg: Config{Addr: "127.0.0.1:0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("New: got error %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestServer_StartTwiceFails(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))

	if err := srv.Start(); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: got %v, want ErrStarted", err)
	}
}

func TestServer_StartFailsOnBusyPort(t *testing.T) {
	first := startServer(t, fixedSource(testState()))

	second, err := New(Config{Addr: first.UDPAddr().String(), Source: fixedSource(testState())})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := second.Start(); err == nil {
		t.Errorf("Start on a busy port: got nil error, want one")
	}
}

func TestServer_ShutdownStopsAnswering(t *testing.T) {
	srv, err := New(Config{Addr: "127.0.0.1:0", Source: fixedSource(testState())})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown before Start: got %v, want nil", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	addr := srv.TCPAddr()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: got %v, want nil", err)
	}

	client := &dns.Client{Net: "tcp", Timeout: time.Second}
	if _, _, err := client.Exchange(newQuery("mayfly.test.", dns.TypeSOA), addr.String()); err == nil {
		t.Errorf("query after Shutdown: got a reply, want an error")
	}
}

func TestServer_SwapsZonesOnNewState(t *testing.T) {
	var current atomic.Pointer[state.State]
	current.Store(testState())
	srv := startServer(t, current.Load)

	reply := exchange(t, "udp", srv.UDPAddr(), newQuery("new-mayfly.test.", dns.TypeMX))
	if reply.Rcode != dns.RcodeRefused {
		t.Fatalf("before the change: got %s, want REFUSED", dns.RcodeToString[reply.Rcode])
	}

	next := current.Load().Clone()
	next.Index++
	addDomain(next, "new-mayfly.test", "local", state.Active, 1)
	current.Store(next)

	reply = exchange(t, "udp", srv.UDPAddr(), newQuery("new-mayfly.test.", dns.TypeMX))
	if reply.Rcode != dns.RcodeSuccess || !reply.Authoritative {
		t.Fatalf("after the change: got rcode %s AA %v, want NOERROR with AA", dns.RcodeToString[reply.Rcode], reply.Authoritative)
	}
	assertRecords(t, "answer", reply.Answer, mustRRs(t,
		"new-mayfly.test. 3600 IN MX 10 a.mx.mayfly-ops.test.",
		"new-mayfly.test. 3600 IN MX 10 b.mx.mayfly-ops.test.",
	))
}

func TestServer_NilStateRefuses(t *testing.T) {
	srv := startServer(t, func() *state.State { return nil })

	reply := exchange(t, "udp", srv.UDPAddr(), newQuery("mayfly.test.", dns.TypeSOA))
	if reply.Rcode != dns.RcodeRefused {
		t.Errorf("rcode: got %s, want REFUSED", dns.RcodeToString[reply.Rcode])
	}
}

func TestZoneCache_RebuildsOnlyOnNewState(t *testing.T) {
	logger, _ := testLogger(t)
	var current atomic.Pointer[state.State]
	current.Store(testState())
	cache := &zoneCache{source: current.Load, logger: logger}

	first := cache.get()
	if again := cache.get(); again != first {
		t.Errorf("same state: got a rebuilt zone set, want the cached one")
	}

	next := current.Load().Clone()
	next.Index++
	current.Store(next)
	if rebuilt := cache.get(); rebuilt == first || rebuilt.state != next {
		t.Errorf("new state: got the old zone set, want one built from the new state")
	}
}

func TestZoneCache_KeepsNewerStateCached(t *testing.T) {
	logger, _ := testLogger(t)
	newer := testState()
	newer.Index = 10
	older := testState()
	older.Index = 9

	var current atomic.Pointer[state.State]
	current.Store(newer)
	cache := &zoneCache{source: current.Load, logger: logger}
	cache.get()

	current.Store(older)
	if zs := cache.get(); zs.state != older {
		t.Errorf("older state: got zones of index %d, want the state the source returned", zs.state.Index)
	}
	if cached := cache.current.Load(); cached.state != newer {
		t.Errorf("cached zones: got index %d, want 10", cached.state.Index)
	}
}

// TestServer_ConcurrentQueriesAndSwaps runs queries, some with mixed case,
// while the state changes, so the race detector sees any write to shared
// zone data.
func TestServer_ConcurrentQueriesAndSwaps(t *testing.T) {
	var current atomic.Pointer[state.State]
	current.Store(testState())
	srv := startServer(t, current.Load)

	var wg sync.WaitGroup
	for _, qname := range []string{"mayfly.test.", "MAYFLY.test.", "Mayfly.Test."} {
		wg.Go(func() {
			client := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
			for range 50 {
				reply, _, err := client.Exchange(newQuery(qname, dns.TypeMX), srv.TCPAddr().String())
				if err != nil {
					t.Errorf("exchange %s: %v", qname, err)
					return
				}
				if reply.Rcode != dns.RcodeSuccess || len(reply.Answer) != 2 {
					t.Errorf("%s: got rcode %s with %d answers, want NOERROR with 2", qname, dns.RcodeToString[reply.Rcode], len(reply.Answer))
					return
				}
			}
		})
	}
	for i := range 20 {
		next := current.Load().Clone()
		next.Index = uint64(i + 2)
		current.Store(next)
	}
	wg.Wait()

	// A mixed-case query must leave the owner names of the zone as they are.
	exchange(t, "udp", srv.UDPAddr(), newQuery("MaYfLy.TeSt.", dns.TypeMX))
	z := srv.zones.get().find("mayfly.test.")
	for _, rr := range z.nodes["mayfly.test."][dns.TypeMX] {
		if rr.Header().Name != "mayfly.test." {
			t.Errorf("zone owner after a mixed-case query: got %q, want %q", rr.Header().Name, "mayfly.test.")
		}
	}
}
