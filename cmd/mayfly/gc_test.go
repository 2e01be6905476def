package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// Without GOGC in the environment, tuneGC sets the node's default target.
func TestTuneGC_DefaultTarget(t *testing.T) {
	t.Setenv("GOGC", "") // restores the variable after the test
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatalf("unset GOGC: %v", err)
	}
	previous := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(previous) })

	tuneGC()

	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("GC percent = %d, want %d", got, defaultGCPercent)
	}
}

// GOGC in the environment wins over the default.
func TestTuneGC_EnvironmentWins(t *testing.T) {
	t.Setenv("GOGC", "150")
	previous := debug.SetGCPercent(150)
	t.Cleanup(func() { debug.SetGCPercent(previous) })

	tuneGC()

	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("GC percent = %d, want the environment's 150", got)
	}
}
