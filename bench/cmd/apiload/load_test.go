package main

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile_NearestRank(t *testing.T) {
	r := &result{}
	for i := 1; i <= 100; i++ {
		r.latencies = append(r.latencies, time.Duration(i)*time.Millisecond)
	}
	cases := []struct {
		p    float64
		want time.Duration
	}{
		{50, 50 * time.Millisecond},
		{90, 90 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{100, 100 * time.Millisecond},
		{0, 1 * time.Millisecond},
	}
	for _, c := range cases {
		if got := r.percentile(c.p); got != c.want {
			t.Errorf("percentile(%v): got %v, want %v", c.p, got, c.want)
		}
	}
	if got := (&result{}).percentile(50); got != 0 {
		t.Errorf("percentile of no samples: got %v, want 0", got)
	}
}

func TestMeasure_CountsCallsAndErrors(t *testing.T) {
	var calls, failures atomic.Int64
	ok := func(context.Context) error {
		calls.Add(1)
		time.Sleep(time.Millisecond)
		return nil
	}
	failing := func(context.Context) error {
		failures.Add(1)
		time.Sleep(time.Millisecond)
		return errors.New("refused")
	}

	r := measure(context.Background(), []request{ok, ok, failing}, 100*time.Millisecond)

	// A call still running when the run ends is not counted, so each
	// worker may have one call more than its results show.
	if got, want := int64(len(r.latencies)), calls.Load(); got < want-2 || got > want {
		t.Errorf("latencies: got %d, want one per successful call, %d to %d", got, want-2, want)
	}
	if got, want := int64(r.errors), failures.Load(); got < want-1 || got > want {
		t.Errorf("errors: got %d, want %d to %d", got, want-1, want)
	}
	if r.firstErr == nil || r.firstErr.Error() != "refused" {
		t.Errorf("first error: got %v, want refused", r.firstErr)
	}
	if r.elapsed < 100*time.Millisecond {
		t.Errorf("elapsed: got %v, want at least the 100ms run", r.elapsed)
	}
	for i := 1; i < len(r.latencies); i++ {
		if r.latencies[i] < r.latencies[i-1] {
			t.Fatalf("latencies not sorted at %d: %v after %v", i, r.latencies[i], r.latencies[i-1])
		}
	}
}

func TestParseCounts_RejectsInvalid(t *testing.T) {
	got, err := parseCounts("1, 16,64")
	if err != nil || len(got) != 3 || got[0] != 1 || got[1] != 16 || got[2] != 64 {
		t.Errorf("parseCounts(1, 16,64): got %v, %v, want [1 16 64]", got, err)
	}
	for _, bad := range []string{"", "0", "1,x", "-4"} {
		if _, err := parseCounts(bad); err == nil {
			t.Errorf("parseCounts(%q): got no error, want one", bad)
		}
	}
}
