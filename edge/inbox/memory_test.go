package inbox_test

import (
	"context"
	"crypto/sha256"
	"io"
	"runtime"
	"testing"
	"time"
)

// maxHeapGrowth is the bound on heap growth while a 25 MiB message is
// delivered or read. A delivery holds about 1.2 MiB; the rest is slack for
// the runtime and the test's own allocations.
const maxHeapGrowth = 8 << 20

// heapMeter samples the heap to find its peak above a baseline taken after
// a full collection.
type heapMeter struct {
	before runtime.MemStats
	peak   uint64
}

func newHeapMeter() *heapMeter {
	m := &heapMeter{}
	runtime.GC()
	runtime.ReadMemStats(&m.before)
	m.peak = m.before.HeapAlloc
	return m
}

func (m *heapMeter) sample() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.peak = max(m.peak, s.HeapAlloc)
}

// check fails the test if the peak heap or the bytes allocated grew by
// maxHeapGrowth or more.
func (m *heapMeter) check(t *testing.T, what string) {
	t.Helper()
	m.sample()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	growth := m.peak - m.before.HeapAlloc
	allocated := after.TotalAlloc - m.before.TotalAlloc
	t.Logf("%s: peak heap growth %d KiB, allocated %d KiB", what, growth>>10, allocated>>10)
	if growth >= maxHeapGrowth {
		t.Errorf("%s: got peak heap growth of %d bytes, want less than %d", what, growth, maxHeapGrowth)
	}
	if allocated >= maxHeapGrowth {
		t.Errorf("%s: got %d bytes allocated, want less than %d", what, allocated, maxHeapGrowth)
	}
}

func TestDelivery_BoundedMemory(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, time.Hour)
	const size = 25 << 20
	src := newBodySource(11, size)
	buf := make([]byte, 32<<10)

	meter := newHeapMeter()
	d := h.begin(recipient(address))
	for {
		n, err := src.Read(buf)
		if err == io.EOF {
			break
		}
		if _, err := d.Write(buf[:n]); err != nil {
			t.Fatalf("Write: %v", err)
		}
		meter.sample()
	}
	commit(t, d, "25 MiB")
	meter.check(t, "delivery")

	a := h.authenticate(created.Token)
	id := onlyMessage(t, a).ID
	hash := sha256.New()
	meter = newHeapMeter()
	_, body, err := a.OpenMessage(context.Background(), id)
	if err != nil {
		t.Fatalf("OpenMessage: %v", err)
	}
	for {
		n, err := body.Read(buf)
		hash.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		meter.sample()
	}
	_ = body.Close()
	meter.check(t, "read")

	if [sha256.Size]byte(hash.Sum(nil)) != bodyHash(t, 11, size) {
		t.Errorf("read body differs from the one delivered")
	}
}
