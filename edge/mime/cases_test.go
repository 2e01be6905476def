package mime

import (
	"bytes"
	stdmime "mime"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fixtures under testdata/ are real-world shapes of mail that broke
// other parsers, each in a folder named after what it exercises.

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return raw
}

func parseFixture(t *testing.T, path string) *Message {
	t.Helper()
	msg, err := Parse(readFixture(t, path))
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return msg
}

func assertEqual[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %#v, want %#v", what, got, want)
	}
}

func assertContains(t *testing.T, what, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Errorf("%s: got %q, want it to contain %q", what, got, want)
	}
}

func TestParse_MissingFinalBoundaryKeepsEveryPart(t *testing.T) {
	msg := parseFixture(t, "011-missing-final-boundary/message.eml")

	assertEqual(t, "text", strings.TrimSpace(msg.Text), "Plain part text.")
	assertContains(t, "HTML", msg.HTML, "<p>HTML part text.</p>")
	assertEqual(t, "subject", msg.Headers.Subject, "No closing boundary")
	assertEqual(t, "attachments", len(msg.Attachments), 0)
}

func TestParse_BoundaryParameterAnomalies(t *testing.T) {
	t.Run("multipart without boundary shows body as text", func(t *testing.T) {
		msg := parseFixture(t, "012-boundary-parameter-anomalies/message-a-multipart-without-boundary.eml")

		assertEqual(t, "text", strings.TrimSpace(msg.Text), "The message to carol@elsewhere.example.net could not be delivered.")
		assertEqual(t, "HTML", msg.HTML, "")
		assertEqual(t, "attachments", len(msg.Attachments), 0)
	})
	t.Run("html leaf with stray boundary stays a leaf", func(t *testing.T) {
		msg := parseFixture(t, "012-boundary-parameter-anomalies/message-b-html-part-with-boundary-param.eml")

		assertEqual(t, "text", strings.TrimSpace(msg.Text), "Plain version.")
		assertContains(t, "HTML", msg.HTML, "<p>HTML version with a soft break.</p>")
		assertEqual(t, "attachments", len(msg.Attachments), 0)
	})
}

func TestParse_RawUTF8HeadersWithoutMIME(t *testing.T) {
	const text = "東京駅で待ち合わせ · 서울 날씨 · 北京天气 · Xin chào · Grüße"
	raw := readFixture(t, "013-raw-utf8-headers-without-mime/message.eml")
	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	assertEqual(t, "subject", msg.Headers.Subject, text)
	assertEqual(t, "sender name", msg.Headers.FromName, "Jürgen Groß")
	assertEqual(t, "from", msg.Headers.From, "Jürgen Groß <jurgen@sender.example.test>")
	assertEqual(t, "text", msg.Text, "Body "+text+"\n")
	assertEqual(t, "summary subject", Summarize(raw).Subject, text)
	for _, garbled := range []string{"\uFFFD", "Ã", "ç†"} {
		if strings.Contains(msg.Headers.Subject+msg.Text, garbled) {
			t.Errorf("subject or text contains %q, want clean UTF-8", garbled)
		}
	}
}

func TestParse_EncodedWordVariants(t *testing.T) {
	t.Run("us-ascii words in subject and quoted display names", func(t *testing.T) {
		raw := readFixture(t, "015-encoded-word-variants-and-search/message-a-us-ascii-words.eml")
		msg, err := Parse(raw)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}

		assertEqual(t, "subject", msg.Headers.Subject, "[Helpdesk: Demo, Case#: 0042]: printer jam")
		assertEqual(t, "sender name", msg.Headers.FromName, "Zoë Test")
		assertEqual(t, "to", msg.Headers.To, "Bob Box <bob@example.test>")
		// The listing stores the decoded subject, so a search finds its words.
		assertContains(t, "summary subject", Summarize(raw).Subject, "printer jam")
	})
	t.Run("encoded line feed does not survive", func(t *testing.T) {
		raw := readFixture(t, "015-encoded-word-variants-and-search/message-b-encoded-newline.eml")
		msg, err := Parse(raw)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}

		assertEqual(t, "subject", msg.Headers.Subject, "Your gift voucher")
		assertContains(t, "summary subject", Summarize(raw).Subject, "gift voucher")
	})
}

func TestParse_ISO2022JPSubjectAndBody(t *testing.T) {
	msg := parseFixture(t, "016-iso-2022-jp-subject-and-body/message.eml")

	assertEqual(t, "subject", msg.Headers.Subject, "メール配信テストのお知らせです。")
	assertEqual(t, "sender name", msg.Headers.FromName, "山田 花子")
	assertEqual(t, "text", msg.Text, "お世話になっております。\nテスト送信です。\n全角記号：「確認」\n")
}

func TestParse_QuotedPrintableEdgeCases(t *testing.T) {
	msg := parseFixture(t, "018-quoted-printable-edge-cases/message.eml")
	want := strings.ReplaceAll(string(readFixture(t, "018-quoted-printable-edge-cases/expected-text.txt")), "\r\n", "\n")

	gotLines := strings.Split(msg.Text, "\n")
	wantLines := strings.Split(want, "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var got, want string
		if i < len(gotLines) {
			got = gotLines[i]
		}
		if i < len(wantLines) {
			want = wantLines[i]
		}
		if got != want {
			t.Errorf("text line %d: got %q, want %q", i+1, got, want)
		}
	}
}

func TestParse_InlineImagesByContentID(t *testing.T) {
	raw := readFixture(t, "019-cid-inline-images/message.eml")
	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	wantIDs := []string{"logo.1@example.test", "banner.2@example.test"}
	if len(msg.Attachments) != len(wantIDs) {
		t.Fatalf("attachments: got %d, want %d: %+v", len(msg.Attachments), len(wantIDs), msg.Attachments)
	}
	for i, id := range wantIDs {
		a := msg.Attachments[i]
		assertEqual(t, "content ID", a.ContentID, id)
		assertEqual(t, "inline", a.Inline, true)
		assertEqual(t, "content type", a.ContentType, "image/png")
		if a.Filename == "" || strings.ContainsAny(a.Filename, `/\`) {
			t.Errorf("attachment %d filename: got %q, want a non-empty name without path", i, a.Filename)
		}

		_, content, err := AttachmentContent(raw, i)
		if err != nil {
			t.Fatalf("AttachmentContent(%d): %v", i, err)
		}
		assertEqual(t, "PNG size", len(content), 70)
		if !bytes.HasPrefix(content, []byte{0x89, 0x50, 0x4E, 0x47}) {
			t.Errorf("attachment %d: got content starting % x, want a PNG signature", i, content[:min(4, len(content))])
		}
	}
	assertEqual(t, "logo filename", msg.Attachments[0].Filename, "logo.png")
	assertEqual(t, "has attachments", Summarize(raw).HasAttachments, false)

	resolved := ResolveContentIDs(msg.HTML, msg.Attachments, func(a Attachment) string {
		return "/api/v1/inbox/messages/m1/attachments/" + strconv.Itoa(a.Index)
	})
	assertContains(t, "resolved HTML", resolved, `src="/api/v1/inbox/messages/m1/attachments/0"`)
	assertContains(t, "resolved HTML", resolved, `src="/api/v1/inbox/messages/m1/attachments/1"`)
	if strings.Contains(resolved, "cid:") {
		t.Errorf("resolved HTML: got %q, want no cid: URL", resolved)
	}
	for _, img := range elementsByName(t, resolved, "img") {
		if alt, _ := attributeValue(img, "alt"); alt == "missing" {
			if src, ok := attributeValue(img, "src"); ok {
				t.Errorf("unresolved image: got src %q, want none", src)
			}
		}
	}
	assertSafeHTML(t, msg.HTML)
}

func TestParse_AttachmentFilenameEncodings(t *testing.T) {
	raw := readFixture(t, "021-rfc2231-and-encoded-filenames/message.eml")
	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	want := []struct{ filename, contentType string }{
		{"Quartalsbericht für das Jahr 2024.pdf", "application/pdf"},
		{"report_2024_final_version.xml", "application/xml"},
		{"Übersicht.csv", "text/csv"},
		{"notes€.txt", "text/plain"},
	}
	if len(msg.Attachments) != len(want) {
		t.Fatalf("attachments: got %d, want %d: %+v", len(msg.Attachments), len(want), msg.Attachments)
	}
	for i, w := range want {
		a := msg.Attachments[i]
		assertEqual(t, "index", a.Index, i)
		assertEqual(t, "filename", a.Filename, w.filename)
		assertEqual(t, "content type", a.ContentType, w.contentType)
		if strings.ContainsAny(a.Filename, "/\\\r\n\x00") {
			t.Errorf("filename %q contains a path separator or control character", a.Filename)
		}
		disposition := stdmime.FormatMediaType("attachment", map[string]string{"filename": a.Filename})
		if disposition == "" || strings.ContainsAny(disposition, "\r\n") {
			t.Errorf("Content-Disposition for %q: got %q, want a single header line", a.Filename, disposition)
		}
		_, params, err := stdmime.ParseMediaType(disposition)
		if err != nil || params["filename"] != a.Filename {
			t.Errorf("Content-Disposition %q: got filename %q (err %v), want %q", disposition, params["filename"], err, a.Filename)
		}
	}
	assertEqual(t, "text", strings.TrimSpace(msg.Text), "Four attachments follow.")
}

func TestParse_LineEndings(t *testing.T) {
	t.Run("LF only multipart with 8-bit text", func(t *testing.T) {
		msg := parseFixture(t, "022-line-endings-lf-only-and-cr-cr-lf/message-lf-only.eml")

		assertEqual(t, "text", strings.TrimSpace(msg.Text), "Grüße aus Köln – plain")
		assertContains(t, "HTML", msg.HTML, "<p>Grüße aus Köln – html</p>")
	})
	t.Run("CR CR LF header and body", func(t *testing.T) {
		msg := parseFixture(t, "022-line-endings-lf-only-and-cr-cr-lf/message-cr-cr-lf.eml")

		assertEqual(t, "to", msg.Headers.To, "bob@example.test")
		assertEqual(t, "subject", msg.Headers.Subject, "Nightly cron report")
		assertEqual(t, "from", msg.Headers.From, "root@host.sender.example.test")
		assertEqual(t, "text", msg.Text, "Backup finished\n")
	})
}

func TestParse_HTMLScriptVectorsAndSubject(t *testing.T) {
	raw := readFixture(t, "023-html-script-vectors-and-subject-xss/message.eml")
	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	assertSafeHTML(t, msg.HTML)
	assertContains(t, "HTML", msg.HTML, "<p>Hello Bob</p>")
	assertContains(t, "HTML", msg.HTML, "<p>Bye</p>")
	// The subject is data, returned verbatim; escaping is the view's job.
	assertEqual(t, "subject", msg.Headers.Subject, "<img src=x onerror=alert(11)> Invoice 42")
	assertEqual(t, "summary subject", Summarize(raw).Subject, "<img src=x onerror=alert(11)> Invoice 42")
	assertEqual(t, "text", strings.TrimSpace(msg.Text), "See the HTML part.")
}

func TestParse_RemoteLoadsBlocked(t *testing.T) {
	msg := parseFixture(t, "025-srcset-and-parser-differential-remote-loads/message.eml")

	assertSafeHTML(t, msg.HTML)
	var cidImages, dataImages int
	for _, img := range elementsByName(t, msg.HTML, "img") {
		src, _ := attributeValue(img, "src")
		switch {
		case src == "cid:logo.1@example.test":
			cidImages++
		case strings.HasPrefix(src, "data:image/png;base64,"):
			dataImages++
		default:
			t.Errorf("image source: got %q, want the cid: logo or the data: image", src)
		}
	}
	assertEqual(t, "cid: images", cidImages, 2)
	assertEqual(t, "data: images", dataImages, 1)

	if len(msg.Attachments) != 1 || !msg.Attachments[0].Inline {
		t.Errorf("attachments: got %+v, want the logo as one inline attachment", msg.Attachments)
	}
}

func TestParse_FixturesGiveValidUTF8(t *testing.T) {
	paths, err := filepath.Glob("testdata/*/*.eml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("list fixtures: got %d (err %v), want some", len(paths), err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			msg := parseFixture(t, strings.TrimPrefix(path, "testdata/"))
			for what, s := range map[string]string{
				"from": msg.Headers.From, "to": msg.Headers.To, "subject": msg.Headers.Subject,
				"text": msg.Text, "HTML": msg.HTML,
			} {
				if !utf8.ValidString(s) {
					t.Errorf("%s: got invalid UTF-8 %q", what, s)
				}
			}
			if strings.Contains(msg.Text, "\r") {
				t.Errorf("text: got %q, want \\n line endings only", msg.Text)
			}
			assertSafeHTML(t, msg.HTML)
		})
	}
}
