package extract

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzExtract checks that Codes and Links accept any input and keep their
// promises: codes of 4 to 8 ASCII letters or digits, absolute http(s)
// links, no duplicates. Seeds are in testdata/fuzz/FuzzExtract.
func FuzzExtract(f *testing.F) {
	f.Add("Your code is 123456", `<a href="https://example.test/verify">Verify</a>`)
	f.Add("Ihr Bestätigungscode: K7Q2MX", "<p>code</p><b>4821</b>")
	f.Fuzz(func(t *testing.T, text, html string) {
		seenCodes := map[string]bool{}
		for _, c := range Codes(text, html) {
			if len(c.Value) < 4 || len(c.Value) > 8 || strings.ContainsFunc(c.Value, func(r rune) bool { return !isAlnum(byte(r)) || r > 127 }) {
				t.Errorf("got code %q, want 4 to 8 ASCII letters or digits", c.Value)
			}
			if seenCodes[c.Value] {
				t.Errorf("got code %q twice, want no duplicates", c.Value)
			}
			seenCodes[c.Value] = true
		}
		seenLinks := map[string]bool{}
		for _, l := range Links(text, html) {
			u, err := url.Parse(l.URL)
			if err != nil || u.Host == "" || (strings.ToLower(u.Scheme) != "http" && strings.ToLower(u.Scheme) != "https") {
				t.Errorf("got link %q, want an absolute http(s) URL", l.URL)
			}
			if seenLinks[l.URL] {
				t.Errorf("got link %q twice, want no duplicates", l.URL)
			}
			seenLinks[l.URL] = true
		}
	})
}
