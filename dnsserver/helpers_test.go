package dnsserver

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// testServer is a started Server and the count of error records it logged.
type testServer struct {
	*Server
	logErrors *atomic.Int64
}

// startServer starts a server on 127.0.0.1:0 that answers from source and
// shuts it down when the test ends.
func startServer(t *testing.T, source func() *state.State) testServer {
	t.Helper()
	return startConfigured(t, Config{Source: source})
}

// startConfigured starts a server with cfg on 127.0.0.1:0, logging to the
// test, and shuts it down when the test ends.
func startConfigured(t testing.TB, cfg Config) testServer {
	t.Helper()
	return startPrepared(t, cfg, func(*Server) {})
}

// startPrepared is startConfigured with a hook that adjusts the server,
// such as its clocks, before it starts.
func startPrepared(t testing.TB, cfg Config, prepare func(*Server)) testServer {
	t.Helper()
	logger, logErrors := testLogger(t)
	cfg.Addr, cfg.Logger = "127.0.0.1:0", logger
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	prepare(srv)
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return testServer{Server: srv, logErrors: logErrors}
}

// fixedSource returns a source that always returns st.
func fixedSource(st *state.State) func() *state.State {
	return func() *state.State { return st }
}

// testLogger returns a logger that writes to t.Log and counts the records
// at error level or above.
func testLogger(t testing.TB) (*slog.Logger, *atomic.Int64) {
	errors := &atomic.Int64{}
	inner := slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(countingHandler{Handler: inner, errors: errors}), errors
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// countingHandler counts error records before passing them on.
type countingHandler struct {
	slog.Handler
	errors *atomic.Int64
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.errors.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return countingHandler{Handler: h.Handler.WithAttrs(attrs), errors: h.errors}
}

func (h countingHandler) WithGroup(name string) slog.Handler {
	return countingHandler{Handler: h.Handler.WithGroup(name), errors: h.errors}
}

// newQuery returns a query for name and qtype in class IN without the RD
// bit, as a resolver sends to an authoritative server.
func newQuery(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	return m
}

// exchange sends m over network ("udp" or "tcp") to addr and returns the
// reply, failing the test when none arrives.
func exchange(t *testing.T, network string, addr net.Addr, m *dns.Msg) *dns.Msg {
	t.Helper()
	client := &dns.Client{Net: network, Timeout: 2 * time.Second, UDPSize: dns.MaxMsgSize}
	reply, _, err := client.Exchange(m, addr.String())
	if err != nil {
		t.Fatalf("exchange %s %s over %s: %v", m.Question[0].Name, dns.TypeToString[m.Question[0].Qtype], network, err)
	}
	return reply
}

// mustRRs parses records in zone-file syntax.
func mustRRs(t *testing.T, lines ...string) []dns.RR {
	t.Helper()
	out := make([]dns.RR, 0, len(lines))
	for _, line := range lines {
		rr, err := dns.NewRR(line)
		if err != nil {
			t.Fatalf("parse record %q: %v", line, err)
		}
		out = append(out, rr)
	}
	return out
}

// recordStrings returns the records in presentation format, sorted, with
// OPT records left out.
func recordStrings(rrs []dns.RR) []string {
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeOPT {
			out = append(out, rr.String())
		}
	}
	slices.Sort(out)
	return out
}

// assertRecords checks that got holds exactly the records of want, in any
// order. OPT records are ignored.
func assertRecords(t *testing.T, section string, got, want []dns.RR) {
	t.Helper()
	g, w := recordStrings(got), recordStrings(want)
	if !slices.Equal(g, w) {
		t.Errorf("%s section: got\n%s\nwant\n%s", section, strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
}
