package mime

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// TestParse_ExternalCorpus parses every *.raw message in the folder that
// MAYFLY_MIME_CORPUS names, such as the test messages of the enmime project
// (github.com/jhillyerd/enmime), malformed mail included, and checks that
// the streaming functions agree with Parse on each. Such corpora are other
// projects' files, read in place and not kept in this repository.
func TestParse_ExternalCorpus(t *testing.T) {
	dir := os.Getenv("MAYFLY_MIME_CORPUS")
	if dir == "" {
		t.Skip("MAYFLY_MIME_CORPUS is not set")
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.raw"))
	if err != nil {
		t.Fatalf("list corpus: %v", err)
	}
	if len(paths) == 0 {
		t.Skipf("no *.raw messages in %s", dir)
	}

	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			checkParseConsistency(t, raw)
			checkStreamingConsistency(t, raw, []int{1, 7, 4096})
		})
	}
}

// checkParseConsistency parses raw and checks what every message must
// satisfy: Summarize agrees with Parse, every listed attachment can be
// fetched with the same metadata and size, all text is valid UTF-8, and
// the HTML is safe.
func checkParseConsistency(t *testing.T, raw []byte) {
	t.Helper()
	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	summary := Summarize(raw)
	assertEqual(t, "summary from", summary.From, msg.Headers.From)
	assertEqual(t, "summary subject", summary.Subject, msg.Headers.Subject)
	if !summary.Date.Equal(msg.Headers.Date) {
		t.Errorf("summary date: got %v, want %v", summary.Date, msg.Headers.Date)
	}
	hasAttachments := false
	for _, a := range msg.Attachments {
		hasAttachments = hasAttachments || !a.Inline
	}
	assertEqual(t, "summary has attachments", summary.HasAttachments, hasAttachments)

	for i, want := range msg.Attachments {
		assertEqual(t, "attachment index", want.Index, i)
		got, content, err := AttachmentContent(raw, i)
		if err != nil {
			t.Errorf("AttachmentContent(%d): %v", i, err)
			continue
		}
		assertEqual(t, "attachment metadata", got, want)
		assertEqual(t, "attachment size", int64(len(content)), want.Size)
		if want.Filename == "" || want.ContentType == "" {
			t.Errorf("attachment %d: got filename %q and type %q, want both set", i, want.Filename, want.ContentType)
		}
	}

	for what, s := range map[string]string{
		"from": msg.Headers.From, "to": msg.Headers.To, "cc": msg.Headers.Cc,
		"subject": msg.Headers.Subject, "text": msg.Text, "HTML": msg.HTML,
	} {
		if !utf8.ValidString(s) {
			t.Errorf("%s: got invalid UTF-8 %q", what, s)
		}
	}
	assertSafeHTML(t, msg.HTML)
}
