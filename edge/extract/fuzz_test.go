package extract

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzExtract checks that Codes and Links accept any bodies and keep
// their promises. Seeds are in testdata/fuzz/FuzzExtract.
func FuzzExtract(f *testing.F) {
	f.Add("Your code is 123456", `<a href="https://example.test/verify">Verify</a>`)
	f.Add("Ihr Bestätigungscode: K7Q2MX", "<p>code</p><b>4821</b>")
	f.Add("Code: 1 2 3 4 5 6 and 123-456 or K7Q 2MX", "<p>Code</p><table><tr><td>4</td><td>&nbsp;</td><td>8</td></tr></table>")
	f.Add("https://t.example.net/c?url=https%3A%2F%2Fa.example.org%2Fverify", `<a href="https://r.example.net/CL0/https:%2F%2Fa.example.org%2Fconfirm/1/x">Confirm</a>`)
	f.Fuzz(func(t *testing.T, text, html string) {
		checkCodes(t, Codes("", text, html), text, html)
		checkLinks(t, Links(text, html))
	})
}

// FuzzCodesSubject checks Codes with a subject. Seeds are in
// testdata/fuzz/FuzzCodesSubject.
func FuzzCodesSubject(f *testing.F) {
	f.Add("123456 is your verification code", "Your code: 2024", "")
	f.Add("Your code: K7Q-2MX", "Order no. 558812 © 2026", "<td>1</td><td>2</td>")
	f.Fuzz(func(t *testing.T, subject, text, html string) {
		checkCodes(t, Codes(subject, text, html), subject, text, html)
	})
}

// FuzzRedirectTarget checks that unwrapping any URL ends and yields an
// absolute http(s) URL on another host, or nothing. Seeds are in
// testdata/fuzz/FuzzRedirectTarget.
func FuzzRedirectTarget(f *testing.F) {
	f.Add("https://t.example.net/c?url=https%3A%2F%2Fa.example.org%2Fverify")
	f.Add("https://r.example.net/CL0/https:%2F%2Fa.example.org%2Fconfirm/1/x")
	f.Add("https://r.example.net/r/aHR0cHM6Ly9hLmV4YW1wbGUub3JnL3ZlcmlmeQ")
	f.Add("https://r.example.net/r/https://a.example.org/x?u=https://b.example.org/y")
	f.Fuzz(func(t *testing.T, rawURL string) {
		target := redirectTarget(rawURL)
		if target == "" {
			return
		}
		u, err := url.Parse(target)
		if err != nil || !isHTTP(u) {
			t.Errorf("got target %q of %q, want an absolute http(s) URL", target, rawURL)
		}
		_ = verificationScore(rawURL, target, "")
	})
}

// checkCodes checks that each code is 4 to 8 ASCII letters or digits,
// appears once, and occurs in one of parts once spaces, hyphens and other
// separators are removed.
func checkCodes(t *testing.T, codes []Code, parts ...string) {
	t.Helper()
	var searched []string
	for i, p := range parts {
		if i == len(parts)-1 {
			p = parseHTML(p).text
		}
		searched = append(searched, alnumOnly(p))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c.Value) < minCodeLen || len(c.Value) > maxCodeLen || alnumOnly(c.Value) != c.Value {
			t.Errorf("got code %q, want 4 to 8 ASCII letters or digits", c.Value)
		}
		if seen[c.Value] {
			t.Errorf("got code %q twice, want no duplicates", c.Value)
		}
		seen[c.Value] = true
		if !containsAny(searched, c.Value) {
			t.Errorf("got code %q, want it to stand in the input", c.Value)
		}
	}
}

// checkLinks checks that links are absolute http(s) URLs without
// duplicates and that targets lead to another host.
func checkLinks(t *testing.T, links []Link) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range links {
		u, err := url.Parse(l.URL)
		if err != nil || !isHTTP(u) {
			t.Errorf("got link %q, want an absolute http(s) URL", l.URL)
		}
		if seen[l.URL] {
			t.Errorf("got link %q twice, want no duplicates", l.URL)
		}
		seen[l.URL] = true
		if l.Target != "" {
			tu, err := url.Parse(l.Target)
			if err != nil || !isHTTP(tu) || (u != nil && strings.EqualFold(tu.Host, u.Host)) {
				t.Errorf("got target %q of %q, want an absolute http(s) URL on another host", l.Target, l.URL)
			}
		}
	}
}

func isHTTP(u *url.URL) bool {
	scheme := strings.ToLower(u.Scheme)
	return u.Host != "" && (scheme == "http" || scheme == "https")
}

func alnumOnly(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isAlnum(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func containsAny(haystacks []string, needle string) bool {
	for _, h := range haystacks {
		if strings.Contains(h, needle) {
			return true
		}
	}
	return false
}
