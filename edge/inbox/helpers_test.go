package inbox_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/inbox"
)

// testStart is the injected clock's start, far from the real time so that
// a test cannot pass by reading the wall clock.
var testStart = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// testClock is an injected clock that moves only when a test sets it.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: testStart}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// logBuffer collects log output from any goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness is one service on a temporary data directory.
type harness struct {
	t     testing.TB
	dir   string
	clock *testClock
	logs  *logBuffer
	svc   *inbox.Service
	// epochWindow is the service's epoch window, the default when zero.
	epochWindow time.Duration
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), clock: newTestClock(), logs: &logBuffer{}}
	h.open()
	t.Cleanup(func() {
		_ = h.svc.Close()
		if t.Failed() {
			t.Logf("service logs:\n%s", h.logs.String())
		}
	})
	return h
}

func (h *harness) config() inbox.Config {
	return inbox.Config{
		DataDir:       h.dir,
		OwnerCode:     "k3",
		SweepInterval: 10 * time.Millisecond,
		EpochWindow:   h.epochWindow,
		Logger:        slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:           h.clock.Now,
	}
}

func (h *harness) open() {
	h.t.Helper()
	svc, err := inbox.Open(h.config())
	if err != nil {
		h.t.Fatalf("Open: %v", err)
	}
	h.svc = svc
}

// restart closes the service and opens a new one on the same directory.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.svc.Close(); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
	h.open()
}

func (h *harness) create(address string, ttl time.Duration) inbox.Created {
	h.t.Helper()
	c, err := h.svc.Create(context.Background(), address, ttl)
	if err != nil {
		h.t.Fatalf("Create(%q, %v): %v", address, ttl, err)
	}
	return c
}

func (h *harness) deliver(address, subject string, raw []byte) string {
	h.t.Helper()
	env := inbox.Envelope{From: "bounce@sender.test", Recipient: address, ReceivedAt: h.clock.Now()}
	meta := inbox.MessageMeta{From: "Sender <sender@sender.test>", Subject: subject, Date: h.clock.Now().Add(-time.Minute)}
	id, err := h.svc.Deliver(context.Background(), address, env, meta, raw)
	if err != nil {
		h.t.Fatalf("Deliver: %v", err)
	}
	return id
}

func (h *harness) authenticate(token string) *inbox.Access {
	h.t.Helper()
	a, err := h.svc.Authenticate(context.Background(), token)
	if err != nil {
		h.t.Fatalf("Authenticate: %v", err)
	}
	return a
}

// uniqueAddress returns an address that no other test uses.
func uniqueAddress(t testing.TB) string {
	t.Helper()
	return "user." + randomHex(t, 6) + "@mayfly.test"
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("rand: %v", err)
	}
	return hex.EncodeToString(b)
}

func randomBody(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("rand: %v", err)
	}
	return b
}

// waitFor polls cond until it returns true or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// idEncoding is the text form of ids, which a caller of the service never
// needs but a test that edits the store does.
var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)
