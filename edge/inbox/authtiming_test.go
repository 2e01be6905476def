package inbox_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// TestAuthTiming prints the latency percentiles of Authenticate for each
// kind of token, to compare them by eye. It asserts nothing about timing,
// and runs only with MAYFLY_AUTH_TIMING=1:
//
//	MAYFLY_AUTH_TIMING=1 go test -run TestAuthTiming -v ./edge/inbox
func TestAuthTiming(t *testing.T) {
	if os.Getenv("MAYFLY_AUTH_TIMING") == "" {
		t.Skip("set MAYFLY_AUTH_TIMING=1 to print Authenticate latencies")
	}
	h := newHarness(t)
	live := h.create(uniqueAddress(t), time.Hour)
	expired := h.create(uniqueAddress(t), time.Minute)
	h.clock.Advance(time.Minute)
	unknown, err := seal.NewToken("k3")
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}

	tokens := []struct{ name, token string }{
		{"valid", live.Token},
		{"unknown", unknown.String()},
		{"malformed", "not-a-token"},
		{"expired", expired.Token},
	}
	const samples = 2000
	for _, tt := range tokens {
		durations := make([]time.Duration, samples)
		for i := range durations {
			start := time.Now()
			_, _ = h.svc.Authenticate(context.Background(), tt.token)
			durations[i] = time.Since(start)
		}
		slices.Sort(durations)
		pct := func(p int) time.Duration { return durations[(samples-1)*p/100] }
		t.Logf("%-9s p10=%v p50=%v p90=%v p99=%v", tt.name, pct(10), pct(50), pct(90), pct(99))
	}
}
