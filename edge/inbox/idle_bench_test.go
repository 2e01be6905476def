package inbox_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/store"
)

// BenchmarkIdleInboxes creates b.N inboxes that receive nothing and reports
// what each one costs: heap growth after a full collection, bytes of the
// bbolt pages in use, and bytes of the bbolt file, which grows in steps. Run it with -benchtime 100000x for the figure at 100,000
// inboxes; at 1x it only checks that the code still runs.
func BenchmarkIdleInboxes(b *testing.B) {
	h := newHarness(b)
	ctx := context.Background()
	before := heapInUse()

	b.ResetTimer()
	for i := range b.N {
		// The clock moves as it would between real creates, since inbox
		// ids, and so where records land in the file, follow it.
		h.clock.Advance(time.Millisecond)
		if _, err := h.svc.Create(ctx, uniqueAddress(b), 168*time.Hour); err != nil {
			b.Fatalf("create inbox %d: %v", i, err)
		}
	}
	b.StopTimer()

	after := heapInUse()
	info, err := os.Stat(filepath.Join(h.dir, store.FileName))
	if err != nil {
		b.Fatalf("stat inbox database: %v", err)
	}
	pages, err := h.svc.StorePagesInUse()
	if err != nil {
		b.Fatalf("measure inbox database: %v", err)
	}
	b.ReportMetric((float64(after)-float64(before))/float64(b.N), "heap-B/inbox")
	b.ReportMetric(float64(pages)/float64(b.N), "pages-B/inbox")
	b.ReportMetric(float64(info.Size())/float64(b.N), "file-B/inbox")
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return s.HeapAlloc
}
