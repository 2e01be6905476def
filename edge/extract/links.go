package extract

import (
	"net/url"
	"regexp"
	"strings"
)

// Link is an http or https link found in a message.
type Link struct {
	URL string `json:"url"`
	// Verification is true for a link that looks like it verifies an
	// address, confirms or activates an account, resets a password or
	// signs in, going by its URL or the text of its anchor.
	Verification bool `json:"verification"`
}

// linkPattern matches an http or https URL in text, up to white space or
// a character that cannot end it unescaped.
var linkPattern = regexp.MustCompile(`(?i)https?://[^\s<>"'\x60{}|\\^\[\]]+`)

// verificationPattern matches the words of verification links, in the
// URL or the anchor text, in the same languages as the keywords of Codes.
var verificationPattern = regexp.MustCompile(`(?i)verif|validat|confirm|activat|activ(?:e|er|ar|ate|eer)\b|magic|reset|recover|sign[-_ ]?in|log[-_ ]?in|signin|anmeld|einlog|bestätig|bestaetig|freischalt|passwor[dt]|wachtwoord|mot[-_ ]de[-_ ]passe|contraseña|senha|bevestig|activeer|conferma|attiva|accedi|iniciar|connexion|se[-_ ]connecter|auth|otp|one[-_]time`)

// Links returns every http and https link of the text body and every
// href of html, in order of appearance (text first), without duplicates,
// and nil when there is none.
func Links(text, html string) []Link {
	var out []Link
	index := map[string]int{}
	add := func(raw, anchorText string) {
		u, ok := cleanLink(raw)
		if !ok {
			return
		}
		verification := looksLikeVerification(u, anchorText)
		if i, seen := index[u]; seen {
			out[i].Verification = out[i].Verification || verification
			return
		}
		index[u] = len(out)
		out = append(out, Link{URL: u, Verification: verification})
	}

	for _, raw := range linkPattern.FindAllString(truncate(text), -1) {
		add(raw, "")
	}
	content := parseHTML(html)
	for _, a := range content.anchors {
		add(a.href, a.text)
	}
	for _, raw := range linkPattern.FindAllString(content.text, -1) {
		add(raw, "")
	}
	return out
}

// cleanLink trims the punctuation that usually ends a sentence rather than
// the URL, and reports whether the rest is an absolute http(s) URL.
func cleanLink(raw string) (string, bool) {
	s := strings.TrimRight(strings.TrimSpace(raw), ".,;:!?*")
	if strings.HasSuffix(s, ")") && !strings.Contains(s, "(") {
		s = strings.TrimRight(s, ")")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", false
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return "", false
	}
	return s, true
}

func looksLikeVerification(link, anchorText string) bool {
	u, err := url.Parse(link)
	if err != nil {
		return false
	}
	// The host is left out: a link to verify.example.com/unsubscribe is
	// not a verification link, and every link of a sign-in service would
	// match otherwise.
	where := u.Path + "?" + u.RawQuery + "#" + u.Fragment
	if unescaped, err := url.QueryUnescape(where); err == nil {
		where = unescaped
	}
	if strings.Contains(strings.ToLower(where), "unsubscribe") {
		return false
	}
	return verificationPattern.MatchString(where) || verificationPattern.MatchString(anchorText)
}

// blankLinks replaces each URL of s with spaces of the same length, so
// that the parts of a link are not taken for codes and offsets stay put.
func blankLinks(s string) string {
	return linkPattern.ReplaceAllStringFunc(s, func(m string) string {
		return strings.Repeat(" ", len(m))
	})
}
