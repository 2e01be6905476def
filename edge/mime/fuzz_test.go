package mime

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The seed corpora live in testdata/fuzz/FuzzParse, FuzzDisplay and
// FuzzSanitizeHTML; they hold the fixture messages, the built messages of
// the tests, the script and tracking vectors, and every input a fuzzing run
// found. A plain "go test" runs them all as regression tests.

func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		msg, err := Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrEmptyMessage) || len(bytes.TrimSpace(raw)) != 0 {
				t.Fatalf("Parse: got error %v for %d bytes, want an error only for empty input", err, len(raw))
			}
			return
		}
		if strings.ContainsFunc(msg.Headers.Subject, unicode.IsControl) {
			t.Errorf("subject: got %q, want no control characters", msg.Headers.Subject)
		}
		if strings.Contains(msg.Text, "\r") {
			t.Errorf("text: got %q, want \\n line endings only", msg.Text)
		}
		checkParseConsistency(t, raw)
	})
}

func FuzzSanitizeHTML(f *testing.F) {
	f.Fuzz(func(t *testing.T, input string) {
		for _, problem := range unsafeHTMLProblems(SanitizeHTML(input)) {
			t.Errorf("SanitizeHTML(%q): %s", input, problem)
		}
	})
}

// FuzzDisplay runs a message through everything that shows it: Parse, the
// sanitized HTML with its cid: images resolved, every attachment in memory
// and streamed, and the listing summary written in pieces.
func FuzzDisplay(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		msg, err := Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrEmptyMessage) {
				t.Fatalf("Parse: got error %v, want an error only for empty input", err)
			}
			assertSummary(t, "summary of empty input", summarizeInWrites(t, raw, 3), Summary{})
			return
		}

		assertSafeHTML(t, msg.HTML)
		if again := SanitizeHTML(msg.HTML); again != msg.HTML {
			t.Errorf("SanitizeHTML of sanitized HTML: got %q, want it unchanged %q", again, msg.HTML)
		}
		const attachmentURL = "/api/v1/inbox/messages/m1/attachments/"
		resolved := ResolveContentIDs(msg.HTML, msg.Attachments, func(a Attachment) string {
			return attachmentURL + strconv.Itoa(a.Index)
		})
		for _, img := range elementsByName(t, resolved, "img") {
			src, ok := attributeValue(img, "src")
			if ok && !strings.HasPrefix(src, attachmentURL) && !allowedDataImage.MatchString(strings.ToLower(src)) {
				t.Errorf("resolved image source: got %q, want an attachment URL or a data:image URL", src)
			}
		}

		checkParseConsistency(t, raw)
		chunk := 1 + len(raw)%13
		checkStreamingConsistency(t, raw, []int{1, chunk, 4096})
	})
}
