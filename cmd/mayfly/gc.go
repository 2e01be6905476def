package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// maxGCPercent is the garbage collector's target while the live heap is
// small. A node's live heap is tens of MB while each message and inbox
// creation allocates tens of KB, so Go's default of 100 collects every few
// hundred requests. On 2 cores, 400 took CPU per inbox creation from
// about 307 to 267 µs. With 16 clients, creations a second rose from
// about 4,200 to 4,800.
const maxGCPercent = 400

// minGCPercent is Go's default target, which a large live heap gets.
const minGCPercent = 100

// gcHeadroom is how far the heap may grow past its live size before a
// collection, within the targets above. The live heap grows with the
// inboxes, whose indexes are in memory: at a fixed 400, an edge filled
// with 125,000 idle inboxes had a heap target of 137 MB and a peak RSS of
// 2,092 bytes per inbox. With the headroom, 141,666 inboxes peaked at
// 1,606 bytes each, and a node with a small live heap keeps 400.
const gcHeadroom = 64 << 20

// gcAdjustInterval is how often the target follows the live heap.
const gcAdjustInterval = time.Second

// tuneGC sets the collector's target unless the environment sets GOGC,
// and keeps it at gcPercentFor of the live heap until stop is called.
// GOMEMLIMIT still applies as in any Go program.
func tuneGC() (stop func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	debug.SetGCPercent(maxGCPercent)
	done := make(chan struct{})
	go followLiveHeap(done, maxGCPercent)
	return func() { close(done) }
}

// followLiveHeap sets the target for the live heap every
// gcAdjustInterval, from current, until done is closed. It changes the
// target only when it moves by a tenth or more, so a heap that hovers
// does not reset it every time.
func followLiveHeap(done <-chan struct{}, current int) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	ticker := time.NewTicker(gcAdjustInterval)
	defer ticker.Stop()
	for {
		select {
		case <-done:
			return
		case <-ticker.C:
		}

		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		want := gcPercentFor(sample[0].Value.Uint64())
		if diff := want - current; diff*10 >= current || -diff*10 >= current {
			debug.SetGCPercent(want)
			current = want
		}
	}
}

// gcPercentFor returns the target that lets a live heap of live bytes
// grow by gcHeadroom, within minGCPercent and maxGCPercent.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	percent := uint64(gcHeadroom) * 100 / live
	return int(min(max(percent, minGCPercent), maxGCPercent))
}
