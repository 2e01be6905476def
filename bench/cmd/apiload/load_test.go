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

func TestMeasureRate_StartsCallsAtTheRate(t *testing.T) {
	var calls atomic.Int64
	quick := func(context.Context) error {
		calls.Add(1)
		return nil
	}

	r := measureRate(context.Background(), []request{quick, quick, quick, quick}, 200, 500*time.Millisecond)

	// 200 a second for half a second: about 100, whatever the four
	// workers could have done in a closed loop.
	if n := len(r.latencies); n < 80 || n > 101 {
		t.Errorf("calls: got %d, want about 100 (200 a second for 500ms)", n)
	}
	if r.errors != 0 {
		t.Errorf("errors: got %d, want 0", r.errors)
	}
}

// A worker that cannot keep up with the rate falls behind, and the calls
// it starts late count their wait: latency runs from the scheduled start.
func TestMeasureRate_CountsTheWaitBehindSlowReplies(t *testing.T) {
	slow := func(context.Context) error {
		time.Sleep(10 * time.Millisecond)
		return nil
	}

	r := measureRate(context.Background(), []request{slow}, 1000, 200*time.Millisecond)

	// One worker serves about 20 calls of 10ms in 200ms while 200 fall
	// due; the later ones waited for most of the run.
	if n := len(r.latencies); n < 5 || n > 21 {
		t.Errorf("calls: got %d, want at most one per 10ms", n)
	}
	if worst := r.percentile(100); worst < 100*time.Millisecond {
		t.Errorf("worst latency: got %v, want at least 100ms of waiting counted", worst)
	}
}
