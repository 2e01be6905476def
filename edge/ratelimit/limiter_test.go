package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// fakeClock is a settable time source for a Limiter.
type fakeClock struct{ now time.Time }

func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

func newTestLimiter(t *testing.T, limit Limit, rotation time.Duration, maxClients int) (*Limiter, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	l := New(limit, rotation, maxClients)
	l.now = func() time.Time { return clock.now }
	l.keys = newKeyer(l.keys.rotation, clock.now)
	return l, clock
}

func TestLimiter_BurstThenRefill(t *testing.T) {
	l, clock := newTestLimiter(t, Limit{Rate: 60, Burst: 3}, time.Hour, 0)
	ip := netip.MustParseAddr("192.0.2.1")
	for i := range 3 {
		if ok, _ := l.Allow(ip); !ok {
			t.Fatalf("request %d: got rejected, want allowed within the burst", i+1)
		}
	}
	ok, wait := l.Allow(ip)
	if ok {
		t.Fatal("request 4: got allowed, want rejected after the burst")
	}
	if wait <= 0 || wait > time.Second {
		t.Errorf("got wait %v, want up to 1s at 60 per minute", wait)
	}
	clock.advance(time.Second)
	if ok, _ := l.Allow(ip); !ok {
		t.Error("after 1s: got rejected, want one token refilled")
	}
}

func TestLimiter_ClientsAreSeparate(t *testing.T) {
	l, _ := newTestLimiter(t, Limit{Rate: 1, Burst: 1}, time.Hour, 0)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	l.Allow(a)
	if ok, _ := l.Allow(a); ok {
		t.Fatal("second request of a: got allowed, want rejected")
	}
	if ok, _ := l.Allow(b); !ok {
		t.Error("first request of b: got rejected, want allowed")
	}
}

func TestLimiter_BucketSurvivesRotation(t *testing.T) {
	l, clock := newTestLimiter(t, Limit{Rate: 1, Burst: 1}, time.Minute, 0)
	ip := netip.MustParseAddr("192.0.2.1")
	l.Allow(ip)
	before, _ := l.keys.keys(ip)

	clock.advance(time.Minute - time.Second)
	l.Allow(ip) // refills nearly one token, not quite
	clock.advance(2 * time.Second)
	// The salt rotates, but the bucket moves with its tokens.
	if ok, _ := l.Allow(ip); !ok {
		t.Error("after rotation: got rejected, want the refilled token")
	}
	after, _ := l.keys.keys(ip)
	if before == after {
		t.Error("key unchanged after the rotation period, want a new salt")
	}
	if got := l.clients(); got != 1 {
		t.Errorf("got %d buckets, want 1 after the move", got)
	}
}

func TestLimiter_MemoryBounded(t *testing.T) {
	l, clock := newTestLimiter(t, Limit{Rate: 60, Burst: 1}, time.Hour, 10)
	for i := range 100 {
		l.Allow(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}))
	}
	if got := l.clients(); got > 10 {
		t.Errorf("got %d buckets, want at most 10", got)
	}
	clock.advance(2 * time.Second)
	l.Allow(netip.MustParseAddr("192.0.2.1"))
	if got := l.clients(); got != 1 {
		t.Errorf("after every bucket refilled: got %d buckets, want 1", got)
	}
}

func TestLimiter_ZeroRateIsOff(t *testing.T) {
	l, _ := newTestLimiter(t, Limit{}, time.Hour, 0)
	for range 1000 {
		if ok, _ := l.Allow(netip.MustParseAddr("192.0.2.1")); !ok {
			t.Fatal("got rejected, want no limit at rate 0")
		}
	}
}

func TestClientIP_Grouping(t *testing.T) {
	cases := []struct{ remote, want string }{
		{"192.0.2.7:4000", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:4000", "2001:db8:1:2::"},
		{"[2001:db8:1:2:bbbb::9]:4000", "2001:db8:1:2::"},
		{"[::ffff:192.0.2.7]:4000", "192.0.2.7"},
		{"[fe80::1%eth0]:4000", "fe80::"},
	}
	for _, tc := range cases {
		t.Run(tc.remote, func(t *testing.T) {
			if got := ClientIP(tc.remote).String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if got := ClientIP("not an address"); got.IsValid() {
		t.Errorf("got %v, want the zero Addr", got)
	}
}

func TestPolicy_RejectsWithRetryAfter(t *testing.T) {
	var limited []string
	p := Policy{
		Create:    New(Limit{Rate: 1, Burst: 1}, 0, 0),
		API:       New(Limit{Rate: 600, Burst: 100}, 0, 0),
		OnLimited: func(class string) { limited = append(limited, class) },
	}
	h := p.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) }))
	send := func(method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, path, nil)
		req.RemoteAddr = "192.0.2.1:5000"
		h.ServeHTTP(rec, req)
		return rec
	}
	if got := send(http.MethodPost, "/api/v1/inboxes").Code; got != http.StatusCreated {
		t.Fatalf("first create: got %d, want 201", got)
	}
	rec := send(http.MethodPost, "/api/v1/inboxes")
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("second create: got %d, want 429", rec.Code)
	}
	if got := rec.Header().Get("Retry-After"); got != "60" {
		t.Errorf("got Retry-After %q, want 60", got)
	}
	if body := rec.Body.String(); !strings.Contains(body, `"code":"rate_limited"`) {
		t.Errorf("got body %s, want code rate_limited", body)
	}
	if got := send(http.MethodGet, "/api/v1/domains").Code; got != http.StatusCreated {
		t.Errorf("other route: got %d, want it under its own limit", got)
	}
	if len(limited) != 1 || limited[0] != ClassCreate {
		t.Errorf("got limited classes %v, want [create]", limited)
	}
}
