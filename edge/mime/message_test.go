package mime

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// pdfContent is a small PDF with every byte value, so that a decoding
// slip shows up as a difference.
func pdfContent() []byte {
	content := []byte("%PDF-1.4\n")
	for i := range 256 {
		content = append(content, byte(i))
	}
	return append(content, []byte("\n%%EOF\n")...)
}

// buildAlternativeMessage writes a multipart/mixed message holding a
// multipart/alternative (a quoted-printable text part and an HTML part) and
// a base64 PDF attachment.
func buildAlternativeMessage(subject, textQP, html string, pdf []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: =?UTF-8?Q?J=C3=BCrgen?= <jurgen@sender.example.test>\r\n")
	fmt.Fprintf(&b, "To: Bob <bob@example.test>, carol@example.test\r\n")
	fmt.Fprintf(&b, "Subject: %s\r\n", subject)
	fmt.Fprintf(&b, "Date: Mon, 06 Jan 2025 10:00:00 +0100\r\n")
	fmt.Fprintf(&b, "Message-ID: <built.1@sender.example.test>\r\n")
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\n")
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n")
	fmt.Fprintf(&b, "--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n")
	fmt.Fprintf(&b, "--inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	fmt.Fprintf(&b, "%s\r\n", textQP)
	fmt.Fprintf(&b, "--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n%s\r\n", html)
	fmt.Fprintf(&b, "--inner--\r\n")
	fmt.Fprintf(&b, "--outer\r\nContent-Type: application/pdf; name=\"bericht.pdf\"\r\n")
	fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"bericht.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	encoded := base64.StdEncoding.EncodeToString(pdf)
	for len(encoded) > 76 {
		b.WriteString(encoded[:76] + "\r\n")
		encoded = encoded[76:]
	}
	b.WriteString(encoded + "\r\n--outer--\r\n")
	return b.Bytes()
}

func TestParse_AlternativeWithAttachment(t *testing.T) {
	const html = `<p onclick="steal()">Hallo <b>Bob</b>,</p>` +
		`<script>alert(document.cookie)</script>` +
		`<img src="http://tracker.example.net/open.gif?id=42" width="1" height="1">` +
		`<p>der Bericht hängt an.</p>`
	pdf := pdfContent()
	raw := buildAlternativeMessage("=?UTF-8?B?R3LDvMOfZSDwn5GL?=", "Hallo Bob,=0D\r\nder Bericht h=C3=A4ngt an.", html, pdf)

	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	assertEqual(t, "subject", msg.Headers.Subject, "Grüße 👋")
	assertEqual(t, "from", msg.Headers.From, "Jürgen <jurgen@sender.example.test>")
	assertEqual(t, "to", msg.Headers.To, "Bob <bob@example.test>, carol@example.test")
	assertEqual(t, "message ID", msg.Headers.MessageID, "built.1@sender.example.test")
	assertEqual(t, "date", msg.Headers.Date.UTC().Format("2006-01-02 15:04"), "2025-01-06 09:00")
	assertEqual(t, "text", msg.Text, "Hallo Bob,\n\nder Bericht hängt an.")

	assertSafeHTML(t, msg.HTML)
	assertContains(t, "HTML", msg.HTML, "<p>Hallo <b>Bob</b>,</p>")
	assertContains(t, "HTML", msg.HTML, "<p>der Bericht hängt an.</p>")
	if n := len(elementsByName(t, msg.HTML, "script")); n != 0 {
		t.Errorf("script elements: got %d, want 0", n)
	}
	if strings.Contains(msg.HTML, "tracker.example.net") {
		t.Errorf("HTML: got %q, want no tracker URL", msg.HTML)
	}

	if len(msg.Attachments) != 1 {
		t.Fatalf("attachments: got %+v, want one PDF", msg.Attachments)
	}
	want := Attachment{Index: 0, Filename: "bericht.pdf", ContentType: "application/pdf", Size: int64(len(pdf))}
	assertEqual(t, "attachment", msg.Attachments[0], want)

	att, content, err := AttachmentContent(raw, 0)
	if err != nil {
		t.Fatalf("AttachmentContent: %v", err)
	}
	assertEqual(t, "attachment metadata", att, want)
	if !bytes.Equal(content, pdf) {
		t.Errorf("attachment content: got %d bytes differing from the %d sent", len(content), len(pdf))
	}

	summary := Summarize(raw)
	assertEqual(t, "summary", summary, Summary{
		From: "Jürgen <jurgen@sender.example.test>", Subject: "Grüße 👋",
		Date: msg.Headers.Date, HasAttachments: true,
	})
}

func TestParse_EmptyInputIsNotMail(t *testing.T) {
	for _, raw := range [][]byte{nil, {}, []byte(" \r\n\t\r\n")} {
		if _, err := Parse(raw); !errors.Is(err, ErrEmptyMessage) {
			t.Errorf("Parse(%q): got error %v, want ErrEmptyMessage", raw, err)
		}
		if _, _, err := AttachmentContent(raw, 0); !errors.Is(err, ErrEmptyMessage) {
			t.Errorf("AttachmentContent(%q): got error %v, want ErrEmptyMessage", raw, err)
		}
		assertEqual(t, "summary", Summarize(raw), Summary{})
	}
}

func TestAttachmentContent_IndexOutOfRange(t *testing.T) {
	raw := buildAlternativeMessage("x", "x", "<p>x</p>", []byte("%PDF"))
	for _, index := range []int{-1, 1, 100} {
		if _, _, err := AttachmentContent(raw, index); !errors.Is(err, ErrAttachmentNotFound) {
			t.Errorf("AttachmentContent(%d): got error %v, want ErrAttachmentNotFound", index, err)
		}
	}
}

func TestParse_MalformedInputIsReadable(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		wantText string
		subject  string
	}{
		{"no header at all", "just some words\r\nand more", "just some words\nand more", ""},
		{"header only", "Subject: only a header\r\n", "", "only a header"},
		{"mbox separator line", "From sender@example.test Mon Jan  6 10:00:00 2025\nSubject: mbox\n\nbody\n", "body\n", "mbox"},
		{"indented first line", " Subject: indented\r\n\r\nbody", "body", "indented"},
		{"unindented parameter continuation", "Subject: wrap\r\nContent-Type: text/plain;\r\ncharset=utf-8\r\n\r\nK\xc3\xb6ln", "Köln", "wrap"},
		{"body without blank line", "Subject: s\r\nHello there", "Hello there", "s"},
		{"boundary never used", "Content-Type: multipart/mixed; boundary=zzz\r\n\r\nplain words", "plain words", ""},
		{"preamble and epilogue dropped", "Content-Type: multipart/mixed; boundary=b\r\n\r\npreamble\r\n--b\r\n\r\ninside\r\n--b--\r\nepilogue", "inside", ""},
		{"garbage content type", "Content-Type: ???\r\n\r\ntext", "text", ""},
		{"unknown charset", "Content-Type: text/plain; charset=x-klingon\r\n\r\nQapla\xff", "Qapla\uFFFD", ""},
		{"unknown transfer encoding", "Content-Transfer-Encoding: base9000\r\n\r\nraw", "raw", ""},
		{"binary noise", "\x00\x01\x02\xff\xfe", "\x00\x01\x02ÿþ", ""},
		{"bare CR line endings", "Subject: old\rContent-Type: multipart/mixed; boundary=z\r\r--z\r\rfrom a Mac\r--z--\r", "from a Mac", "old"},
		{"inner multipart cut short by the outer boundary",
			"Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n" +
				"--inner\r\n\r\nfirst\r\n--outer\r\n\r\nsecond\r\n--outer--\r\n", "first\nsecond", ""},
		{"close delimiter first", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--\r\n--b\r\n\r\nepilogue\r\n", "", ""},
		{"boundary with a colon", "Content-Type: multipart/mixed; boundary=\"a:b\"\r\n\r\n--a:b\r\n--a:b\r\n\r\nsecond\r\n--a:b--", "second", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := Parse([]byte(tt.raw))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			assertEqual(t, "text", msg.Text, tt.wantText)
			assertEqual(t, "subject", msg.Headers.Subject, tt.subject)
		})
	}
}

func TestParse_DeepNestingIsBounded(t *testing.T) {
	var b strings.Builder
	depth := maxNestingDepth + 10
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")

	msg, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if msg.Text != "" || len(msg.Attachments) != 1 || msg.Attachments[0].ContentType != "multipart/mixed" {
		t.Errorf("got text %q and attachments %+v, want the entity past the depth limit as one multipart/mixed attachment", msg.Text, msg.Attachments)
	}
}

func TestParse_InlineTextPartsAreJoined(t *testing.T) {
	raw := "Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n" +
		"--b\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\n\r\npng\r\n" +
		"--b\r\nContent-Type: text/plain\r\nContent-Disposition: inline\r\n\r\nsecond\r\n" +
		"--b\r\nContent-Type: text/plain; name=notes.txt\r\n\r\nnotes\r\n--b--\r\n"

	msg, err := Parse([]byte(raw))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	assertEqual(t, "text", msg.Text, "first\nsecond")
	if len(msg.Attachments) != 2 {
		t.Fatalf("attachments: got %+v, want the image and the named text part", msg.Attachments)
	}
	assertEqual(t, "first attachment type", msg.Attachments[0].ContentType, "image/png")
	assertEqual(t, "first attachment name", msg.Attachments[0].Filename, "attachment-0.png")
	assertEqual(t, "inline without reference", msg.Attachments[0].Inline, false)
	assertEqual(t, "second attachment name", msg.Attachments[1].Filename, "notes.txt")
}

func TestParse_LimitsOnHostileInput(t *testing.T) {
	longField := "X-Padding: " + strings.Repeat("a", maxHeaderBytes) + "\r\n"
	longPreamble := strings.Repeat("preamble line\r\n", maxPreambleBytes/15+1)
	longDelimiterLine := "--b" + strings.Repeat(" ", maxLineBytes) + "\r\n"
	tests := []struct {
		name     string
		raw      string
		wantText string
		subject  string
	}{
		{"header past its limit is cut", longField + "Subject: dropped\r\n\r\nbody", "body", ""},
		{"field before the limit is kept", "Subject: kept\r\n" + longField + "\r\nbody", "body", "kept"},
		{"preamble past its limit shows the multipart as text",
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + longPreamble + "--b\r\n\r\npart\r\n--b--",
			strings.ReplaceAll(longPreamble, "\r\n", "\n") + "--b\n\npart\n--b--", ""},
		{"line past its limit is no delimiter",
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nbefore\r\n" + longDelimiterLine + "after\r\n--b--",
			"before\n" + strings.TrimSuffix(longDelimiterLine, "\r\n") + "\nafter", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := Parse([]byte(tt.raw))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if msg.Text != tt.wantText {
				t.Errorf("text: got %d bytes starting %q, want %d bytes starting %q",
					len(msg.Text), msg.Text[:min(len(msg.Text), 40)], len(tt.wantText), tt.wantText[:min(len(tt.wantText), 40)])
			}
			assertEqual(t, "subject", msg.Headers.Subject, tt.subject)
			checkStreamingConsistency(t, []byte(tt.raw), []int{1, 7, 4096})
		})
	}
}
