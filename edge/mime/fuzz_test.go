package mime

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode"
)

// The seed corpora live in testdata/fuzz/FuzzParse and
// testdata/fuzz/FuzzSanitizeHTML; they hold the fixture messages, the
// script and tracking vectors, and every input a fuzzing run found. A plain
// "go test" runs them all as regression tests.

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
