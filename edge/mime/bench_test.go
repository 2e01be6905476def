package mime

import (
	"bytes"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// benchmarkMessage builds a multipart message of about 20 KiB: the text and
// HTML alternatives of a newsletter, with inline styles, links and a
// tracking pixel, and a 4 KiB PDF attachment.
func benchmarkMessage() []byte {
	paragraph := "Grüße aus Köln: the quarterly report is attached, and the numbers look good. "

	var text bytes.Buffer
	w := quotedprintable.NewWriter(&text)
	_, _ = w.Write([]byte(strings.Repeat(paragraph+"\r\n", 40)))
	_ = w.Close()

	html := "<html><head><style>p{color:red}</style></head><body>" +
		strings.Repeat(`<p style="color: #333; font-size: 14px">`+paragraph+`<a href="https://example.test/x">more</a></p>`+"\r\n", 60) +
		`<img src="https://tracker.example.net/open.gif"></body></html>`

	return buildAlternativeMessage("=?UTF-8?Q?Quartalsbericht_f=C3=BCr_2024?=", text.String(), html, pdfContentOfBenchmark())
}

// pdfContentOfBenchmark is the 4 KiB attachment of benchmarkMessage.
func pdfContentOfBenchmark() []byte {
	pdf := make([]byte, 4096)
	for i := range pdf {
		pdf[i] = byte(i * 7)
	}
	return pdf
}

func BenchmarkParse(b *testing.B) {
	raw := benchmarkMessage()
	if len(raw) < 18<<10 || len(raw) > 22<<10 {
		b.Fatalf("benchmark message: got %d bytes, want about 20 KiB", len(raw))
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}
