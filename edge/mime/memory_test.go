package mime

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// Sizes of the large message: a 20 MiB CSV file sent 8bit and a 3.5 MiB
// PDF sent base64, about 25 MiB in all, the default message size limit.
const (
	largeCSVBytes = 20 << 20
	largePDFBytes = 3584 << 10
	// maxHeapGrowth is far below the message size: streaming must not
	// hold the message, or any attachment of it, in memory.
	maxHeapGrowth = 8 << 20
)

// largeMessage returns a reader that generates the large message as it is
// read, so the test itself holds none of it, and the SHA-256 of the CSV
// and PDF attachments.
func largeMessage() (io.Reader, [2][sha256.Size]byte) {
	head := "From: Reports <reports@example.test>\r\nSubject: Monthly export\r\n" +
		"Date: Mon, 06 Jan 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"large\"\r\n\r\n" +
		"--large\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n" +
		"--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>The export <img src=\"cid:logo@example.test\"></p>\r\n" +
		"--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@example.test>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n" +
		"--rel--\r\n" +
		"--large\r\nContent-Type: text/csv; charset=utf-8\r\nContent-Disposition: attachment; filename=\"export.csv\"\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n"
	middle := "\r\n--large\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"export.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n"
	tail := "\r\n--large--\r\n"

	csv := &csvGenerator{remaining: largeCSVBytes}
	pdf := &pseudoRandomReader{remaining: largePDFBytes}
	sums := [2][sha256.Size]byte{
		sumOf(&csvGenerator{remaining: largeCSVBytes}),
		sumOf(&pseudoRandomReader{remaining: largePDFBytes}),
	}

	return io.MultiReader(
		strings.NewReader(head),
		csv,
		strings.NewReader(middle),
		newBase64LineReader(pdf),
		strings.NewReader(tail),
	), sums
}

func sumOf(r io.Reader) [sha256.Size]byte {
	h := sha256.New()
	_, _ = io.Copy(h, r)
	return [sha256.Size]byte(h.Sum(nil))
}

// csvGenerator yields CRLF-terminated CSV rows, the last one cut to size
// and without its line break.
type csvGenerator struct {
	remaining int
	row       int
	pending   []byte
}

func (g *csvGenerator) Read(p []byte) (int, error) {
	if g.remaining == 0 {
		return 0, io.EOF
	}
	if len(g.pending) == 0 {
		g.pending = fmt.Appendf(g.pending[:0], "%d,customer-%d@example.test,%d.%02d,EUR\r\n", g.row, g.row%977, g.row%5000, g.row%100)
		g.row++
	}
	n := copy(p[:min(len(p), g.remaining)], g.pending)
	g.pending = g.pending[n:]
	g.remaining -= n
	if g.remaining == 0 && bytes.HasSuffix(p[:n], []byte("\r")) {
		p[n-1] = 'x' // a CR at the very end would join the delimiter's line break
	}
	return n, nil
}

// pseudoRandomReader yields bytes from a fixed xorshift sequence.
type pseudoRandomReader struct {
	remaining int
	state     uint64
}

func (r *pseudoRandomReader) Read(p []byte) (int, error) {
	if r.remaining == 0 {
		return 0, io.EOF
	}
	if r.state == 0 {
		r.state = 0x9E3779B97F4A7C15
	}
	n := min(len(p), r.remaining)
	for i := range n {
		r.state ^= r.state << 13
		r.state ^= r.state >> 7
		r.state ^= r.state << 17
		p[i] = byte(r.state)
	}
	r.remaining -= n
	return n, nil
}

// base64LineReader base64-encodes src in lines of 76 characters.
type base64LineReader struct {
	src     io.Reader
	pending []byte
	block   [57]byte
	done    bool
}

func newBase64LineReader(src io.Reader) *base64LineReader {
	return &base64LineReader{src: src}
}

func (r *base64LineReader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.done {
			return 0, io.EOF
		}
		n, err := io.ReadFull(r.src, r.block[:])
		if n > 0 {
			r.pending = base64.StdEncoding.AppendEncode(r.pending[:0], r.block[:n])
			r.pending = append(r.pending, '\r', '\n')
		}
		if err != nil {
			r.done = true
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// heapWatcher samples the live heap while a large message streams through
// a test, after a garbage collection each time, and reports the largest
// growth over the heap at its start.
type heapWatcher struct {
	base     uint64
	peak     uint64
	sinceRun int
}

func newHeapWatcher() *heapWatcher {
	w := &heapWatcher{}
	w.base = liveHeap()
	return w
}

func liveHeap() uint64 {
	runtime.GC()
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	return stats.HeapAlloc
}

// progress samples the heap once per MiB of bytes streamed.
func (w *heapWatcher) progress(n int) {
	w.sinceRun += n
	if w.sinceRun < 1<<20 {
		return
	}
	w.sinceRun = 0
	w.peak = max(w.peak, liveHeap())
}

func (w *heapWatcher) growth() int64 {
	return int64(w.peak) - int64(w.base)
}

// countingReader reports the bytes read through it to a heapWatcher.
type countingReader struct {
	r     io.Reader
	watch *heapWatcher
	total int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.total += int64(n)
	c.watch.progress(n)
	return n, err
}

func TestSummaryWriter_LargeMessageInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 25 MiB")
	}
	message, _ := largeMessage()
	watch := newHeapWatcher()
	in := &countingReader{r: message, watch: watch}

	w := NewSummaryWriter()
	if _, err := io.CopyBuffer(w, in, make([]byte, 32<<10)); err != nil {
		t.Fatalf("copy: %v", err)
	}
	summary := w.Summary()

	if in.total < 25<<20-(1<<20) {
		t.Fatalf("message: got %d bytes, want about 25 MiB", in.total)
	}
	t.Logf("heap growth: %d bytes", watch.growth())
	if growth := watch.growth(); growth > maxHeapGrowth {
		t.Errorf("heap growth: got %d bytes, want at most %d", growth, maxHeapGrowth)
	}
	assertEqual(t, "subject", summary.Subject, "Monthly export")
	assertEqual(t, "has attachments", summary.HasAttachments, true)
}

func TestOpenAttachment_LargeMessageInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 25 MiB")
	}
	tests := []struct {
		index    int
		filename string
		size     int64
	}{
		{1, "export.csv", largeCSVBytes},
		{2, "export.pdf", largePDFBytes},
	}
	for _, tt := range tests {
		t.Run(tt.filename, func(t *testing.T) {
			message, sums := largeMessage()
			watch := newHeapWatcher()

			a, r, err := OpenAttachment(&countingReader{r: message, watch: watch}, tt.index)
			if err != nil {
				t.Fatalf("OpenAttachment: %v", err)
			}
			h := sha256.New()
			n, err := io.CopyBuffer(h, &countingReader{r: r, watch: watch}, make([]byte, 32<<10))
			if err != nil {
				t.Fatalf("read: %v", err)
			}

			assertEqual(t, "filename", a.Filename, tt.filename)
			assertEqual(t, "size", n, tt.size)
			if got := [sha256.Size]byte(h.Sum(nil)); got != sums[tt.index-1] {
				t.Errorf("content: got SHA-256 %x, want %x", got, sums[tt.index-1])
			}
			t.Logf("heap growth: %d bytes", watch.growth())
			if growth := watch.growth(); growth > maxHeapGrowth {
				t.Errorf("heap growth: got %d bytes, want at most %d", growth, maxHeapGrowth)
			}
		})
	}
}
