package mime

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// testMessages returns the fixture messages and the messages the tests
// build, by name.
func testMessages(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("testdata/*/*.eml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("list fixtures: got %d (err %v), want some", len(paths), err)
	}
	messages := make(map[string][]byte)
	for _, path := range paths {
		messages[strings.TrimPrefix(path, "testdata/")] = readFixture(t, strings.TrimPrefix(path, "testdata/"))
	}
	messages["built/alternative with PDF"] = benchmarkMessage()
	messages["built/attached message"] = attachedMessage("=?UTF-8?Q?Quartalsbericht_3/2025?=", "")
	messages["built/nested multiparts"] = nestedMessage(12)
	messages["built/nesting past the limit"] = nestedMessage(maxNestingDepth + 5)
	return messages
}

// summaryOfMessage derives the listing fields from a parsed message, as
// the listing promises them: HasAttachments unless every attachment is an
// image that the HTML shows.
func summaryOfMessage(msg *Message) Summary {
	s := Summary{From: msg.Headers.From, Subject: msg.Headers.Subject, Date: msg.Headers.Date}
	for _, a := range msg.Attachments {
		s.HasAttachments = s.HasAttachments || !a.Inline
	}
	return s
}

func assertSummary(t *testing.T, what string, got, want Summary) {
	t.Helper()
	if got.From != want.From || got.Subject != want.Subject || !got.Date.Equal(want.Date) || got.HasAttachments != want.HasAttachments {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

// summarizeInWrites runs raw through a SummaryWriter in writes of chunk
// bytes. Each write goes through one scratch buffer that is overwritten
// afterwards, so a writer that kept a reference to it would go wrong.
func summarizeInWrites(t *testing.T, raw []byte, chunk int) Summary {
	t.Helper()
	w := NewSummaryWriter()
	scratch := make([]byte, chunk)
	for rest := raw; len(rest) > 0; {
		n := copy(scratch, rest)
		if written, err := w.Write(scratch[:n]); err != nil || written != n {
			t.Fatalf("Write: got (%d, %v), want (%d, nil)", written, err, n)
		}
		for i := range scratch[:n] {
			scratch[i] = '-'
		}
		rest = rest[n:]
	}
	return w.Summary()
}

// checkStreamingConsistency checks that the streaming functions agree with
// the in-memory ones on raw: SummaryWriter with Summarize and Parse,
// whatever the size of the writes, and OpenAttachment with
// AttachmentContent, whatever the reader returns at a time.
func checkStreamingConsistency(t *testing.T, raw []byte, chunks []int) {
	t.Helper()
	want := Summarize(raw)
	if msg, err := Parse(raw); err == nil {
		assertSummary(t, "Summarize against Parse", want, summaryOfMessage(msg))
	}
	for _, chunk := range chunks {
		assertSummary(t, "SummaryWriter", summarizeInWrites(t, raw, max(chunk, 1)), want)
	}

	msg, err := Parse(raw)
	if err != nil {
		if _, _, err := OpenAttachment(bytes.NewReader(raw), 0); !errors.Is(err, ErrEmptyMessage) {
			t.Errorf("OpenAttachment on empty input: got error %v, want ErrEmptyMessage", err)
		}
		return
	}
	for i := range msg.Attachments {
		checkOpenAttachment(t, raw, i)
	}
	if _, _, err := OpenAttachment(bytes.NewReader(raw), len(msg.Attachments)); !errors.Is(err, ErrAttachmentNotFound) {
		t.Errorf("OpenAttachment(%d) past the last attachment: got error %v, want ErrAttachmentNotFound", len(msg.Attachments), err)
	}
}

func checkOpenAttachment(t *testing.T, raw []byte, index int) {
	t.Helper()
	want, wantContent, err := AttachmentContent(raw, index)
	if err != nil {
		t.Fatalf("AttachmentContent(%d): %v", index, err)
	}
	want.Size, want.Inline = -1, false

	readers := map[string]func() io.Reader{
		"whole":       func() io.Reader { return bytes.NewReader(raw) },
		"one byte":    func() io.Reader { return iotest.OneByteReader(bytes.NewReader(raw)) },
		"half":        func() io.Reader { return iotest.HalfReader(bytes.NewReader(raw)) },
		"EOF at data": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(raw)) },
	}
	for name, reader := range readers {
		got, r, err := OpenAttachment(reader(), index)
		if err != nil {
			t.Errorf("OpenAttachment(%d) from %s reader: %v", index, name, err)
			continue
		}
		assertEqual(t, "OpenAttachment metadata from "+name+" reader", got, want)
		content, err := io.ReadAll(r)
		if err != nil {
			t.Errorf("read attachment %d from %s reader: %v", index, name, err)
		}
		if !bytes.Equal(content, wantContent) {
			t.Errorf("attachment %d from %s reader: got %d bytes, want the %d bytes of AttachmentContent", index, name, len(content), len(wantContent))
		}
	}
}

func TestStreaming_AgreesWithParse(t *testing.T) {
	for name, raw := range testMessages(t) {
		t.Run(name, func(t *testing.T) {
			checkStreamingConsistency(t, raw, []int{1, 2, 3, 7, 64, 1000, len(raw)})
		})
	}
}

func TestSummaryWriter_Values(t *testing.T) {
	raw := readFixture(t, "019-cid-inline-images/message.eml")
	got := summarizeInWrites(t, raw, 5)
	assertEqual(t, "has attachments", got.HasAttachments, false)

	got = summarizeInWrites(t, benchmarkMessage(), 5)
	assertEqual(t, "subject", got.Subject, "Quartalsbericht für 2024")
	assertEqual(t, "from", got.From, "Jürgen <jurgen@sender.example.test>")
	assertEqual(t, "has attachments", got.HasAttachments, true)
}

func TestSummaryWriter_SummaryEndsTheMessage(t *testing.T) {
	w := NewSummaryWriter()
	if _, err := w.Write([]byte("Subject: first\r\n\r\nbody")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	first := w.Summary()
	if _, err := w.Write([]byte("more")); err == nil {
		t.Errorf("Write after Summary: got no error, want one")
	}
	assertSummary(t, "second Summary", w.Summary(), first)
	assertEqual(t, "subject", first.Subject, "first")
}

func TestSummaryWriter_EmptyInput(t *testing.T) {
	w := NewSummaryWriter()
	_, _ = w.Write([]byte(" \r\n\t"))
	assertSummary(t, "summary", w.Summary(), Summary{})
	assertSummary(t, "summary without writes", NewSummaryWriter().Summary(), Summary{})
}

func TestOpenAttachment_NotFound(t *testing.T) {
	raw := benchmarkMessage()
	for _, index := range []int{-1, 1, 100} {
		if _, _, err := OpenAttachment(bytes.NewReader(raw), index); !errors.Is(err, ErrAttachmentNotFound) {
			t.Errorf("OpenAttachment(%d): got error %v, want ErrAttachmentNotFound", index, err)
		}
	}
	if _, _, err := OpenAttachment(strings.NewReader("\r\n "), 0); !errors.Is(err, ErrEmptyMessage) {
		t.Errorf("OpenAttachment on white space: got error %v, want ErrEmptyMessage", err)
	}
}

func TestOpenAttachment_ReadErrors(t *testing.T) {
	raw := benchmarkMessage()
	failure := errors.New("disk gone")
	attachmentStart := bytes.Index(raw, []byte("bericht.pdf"))

	t.Run("before the attachment", func(t *testing.T) {
		r := io.MultiReader(bytes.NewReader(raw[:attachmentStart/2]), iotest.ErrReader(failure))
		if _, _, err := OpenAttachment(r, 0); !errors.Is(err, failure) {
			t.Errorf("got error %v, want one wrapping %v", err, failure)
		}
	})
	t.Run("inside the attachment", func(t *testing.T) {
		r := io.MultiReader(bytes.NewReader(raw[:len(raw)-100]), iotest.ErrReader(failure))
		_, content, err := OpenAttachment(r, 0)
		if err != nil {
			t.Fatalf("OpenAttachment: %v", err)
		}
		if _, err := io.ReadAll(content); !errors.Is(err, failure) {
			t.Errorf("read: got error %v, want one wrapping %v", err, failure)
		}
	})
}

func TestOpenAttachment_StopsReadingAtTheEnd(t *testing.T) {
	raw := benchmarkMessage()
	// Whatever follows the attachment, the reader must not ask for it.
	r := io.MultiReader(bytes.NewReader(raw), iotest.ErrReader(errors.New("read past the attachment")))

	_, content, err := OpenAttachment(r, 0)
	if err != nil {
		t.Fatalf("OpenAttachment: %v", err)
	}
	got, err := io.ReadAll(content)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, pdfContentOfBenchmark()) {
		t.Errorf("content: got %d bytes, want the %d bytes of the PDF", len(got), len(pdfContentOfBenchmark()))
	}
}

func TestParse_LeavesInputUnchanged(t *testing.T) {
	for name, raw := range testMessages(t) {
		t.Run(name, func(t *testing.T) {
			original := bytes.Clone(raw)
			msg, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			Summarize(raw)
			for i := range msg.Attachments {
				_, _, _ = AttachmentContent(raw, i)
				if _, r, err := OpenAttachment(bytes.NewReader(raw), i); err == nil {
					_, _ = io.Copy(io.Discard, r)
				}
			}
			if !bytes.Equal(raw, original) {
				t.Errorf("raw message changed by parsing")
			}
		})
	}
}

func TestSummaryWriter_InlineImagesInAnyOrder(t *testing.T) {
	const (
		image = "--b\r\nContent-Type: image/png\r\nContent-ID: <logo@example.test>\r\n\r\npng\r\n"
		shown = "--b\r\nContent-Type: text/html\r\n\r\n<p><img src=\"cid:LOGO@example.test\"></p>\r\n"
	)
	tests := []struct {
		name           string
		parts          string
		hasAttachments bool
	}{
		{"image after the HTML", shown + image, false},
		{"image before the HTML", image + shown, false},
		{"image referenced inside a script", image + "--b\r\nContent-Type: text/html\r\n\r\n<script><img src=\"cid:logo@example.test\"></script>\r\n", true},
		{"image never referenced", image + "--b\r\nContent-Type: text/html\r\n\r\n<p>none</p>\r\n", true},
		{"image referenced by a preferred alternative",
			image + "--b\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/html\r\n\r\n<p>plain</p>\r\n" +
				"--a\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:logo@example.test\">\r\n--a--\r\n", false},
		{"image referenced by a discarded alternative",
			image + "--b\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:logo@example.test\">\r\n" +
				"--a\r\nContent-Type: text/html\r\n\r\n<p>preferred</p>\r\n--a--\r\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := []byte("Subject: logo\r\nContent-Type: multipart/related; boundary=b\r\n\r\n" + tt.parts + "--b--\r\n")
			for _, chunk := range []int{1, 9, len(raw)} {
				assertEqual(t, "has attachments", summarizeInWrites(t, raw, chunk).HasAttachments, tt.hasAttachments)
			}
			msg, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			assertEqual(t, "has attachments from Parse", summaryOfMessage(msg).HasAttachments, tt.hasAttachments)
		})
	}
}

func TestParse_ReferencesPastScanLimitDoNotCount(t *testing.T) {
	html := "<p>" + strings.Repeat("x", maxHTMLScanBytes) + `<img src="cid:late@example.test"></p>`
	raw := []byte("Content-Type: multipart/related; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/html\r\n\r\n" + html + "\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-ID: <late@example.test>\r\n\r\npng\r\n--b--\r\n")

	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	assertContains(t, "HTML", msg.HTML[len(msg.HTML)-100:], `<img src="cid:late@example.test">`)
	if len(msg.Attachments) != 1 || msg.Attachments[0].Inline {
		t.Errorf("attachments: got %+v, want one image that is not inline", msg.Attachments)
	}
	assertEqual(t, "has attachments", summarizeInWrites(t, raw, 4096).HasAttachments, true)
}
