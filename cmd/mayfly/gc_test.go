package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// Without GOGC in the environment, tuneGC starts at the highest target.
func TestTuneGC_DefaultTarget(t *testing.T) {
	withoutGOGC(t)

	stop := tuneGC()
	defer stop()

	if got := gcPercent(t); got != maxGCPercent {
		t.Errorf("GC percent = %d, want %d", got, maxGCPercent)
	}
}

// GOGC in the environment wins over the default.
func TestTuneGC_EnvironmentWins(t *testing.T) {
	t.Setenv("GOGC", "150")
	previous := debug.SetGCPercent(150)
	t.Cleanup(func() { debug.SetGCPercent(previous) })

	stop := tuneGC()
	defer stop()

	if got := gcPercent(t); got != 150 {
		t.Errorf("GC percent = %d, want the environment's 150", got)
	}
}

// A live heap past the headroom brings the target down to Go's default.
func TestTuneGC_FollowsLiveHeap(t *testing.T) {
	withoutGOGC(t)
	stop := tuneGC()
	defer stop()

	live := make([]byte, 2*gcHeadroom)
	for i := range live {
		live[i] = byte(i)
	}
	runtime.GC()

	deadline := time.Now().Add(5 * gcAdjustInterval)
	for gcPercent(t) != minGCPercent && time.Now().Before(deadline) {
		time.Sleep(gcAdjustInterval / 10)
	}
	if got := gcPercent(t); got != minGCPercent {
		t.Errorf("GC percent with %d MiB live = %d, want %d", len(live)>>20, got, minGCPercent)
	}
	runtime.KeepAlive(live)
}

func TestGCPercentFor(t *testing.T) {
	cases := []struct {
		live uint64
		want int
	}{
		{0, maxGCPercent},
		{1 << 20, maxGCPercent},
		{gcHeadroom / 4, maxGCPercent},
		{gcHeadroom / 2, 200},
		{gcHeadroom, minGCPercent},
		{16 * gcHeadroom, minGCPercent},
	}
	for _, c := range cases {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// withoutGOGC unsets GOGC and sets the target to 100 for the test, and
// restores both after it.
func withoutGOGC(t *testing.T) {
	t.Helper()
	t.Setenv("GOGC", "") // restores the variable after the test
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatalf("unset GOGC: %v", err)
	}
	previous := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(previous) })
}

// gcPercent reads the collector's current target.
func gcPercent(t *testing.T) int {
	t.Helper()
	sample := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		t.Fatal("runtime/metrics has no /gc/gogc:percent")
	}
	return int(sample[0].Value.Uint64())
}
