package extract

import (
	"encoding/base64"
	"net/url"
	"strings"
)

// maxRedirectDepth bounds how many nested tracking redirects are
// unwrapped ("a wrapper of a wrapper").
const maxRedirectDepth = 3

// redirectParams are the query parameters in which click-tracking
// services pass the real URL. Parameters such as "next" or
// "redirect_uri" are left out: they name where a sign-in returns to,
// not the link the reader clicked.
var redirectParams = map[string]bool{
	"url": true, "u": true, "redirect": true, "redirect_url": true,
	"redirecturl": true, "redirect_to": true, "redir": true,
	"target": true, "target_url": true, "dest": true, "destination": true,
	"link": true, "goto": true, "to": true, "r": true, "l": true,
	"href": true, "q": true,
}

// redirectTarget returns the URL that the click-tracking redirect rawURL
// leads to, unwrapping nested redirects, or "" when rawURL is not a
// redirect. A redirect carries an absolute http(s) URL on another host
// in a known query parameter or in its path, as written, percent-encoded
// or base64-encoded.
func redirectTarget(rawURL string) string {
	target := ""
	current := rawURL
	for range maxRedirectDepth {
		next, ok := unwrapRedirect(current)
		if !ok {
			break
		}
		target, current = next, next
	}
	return target
}

// unwrapRedirect returns the URL that rawURL redirects to, if any.
func unwrapRedirect(rawURL string) (string, bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", false
	}
	for _, pair := range strings.Split(u.RawQuery, "&") {
		name, value, _ := strings.Cut(pair, "=")
		if !redirectParams[strings.ToLower(name)] {
			continue
		}
		if v, err := url.QueryUnescape(value); err == nil {
			if t, ok := targetFrom(v, u.Host); ok {
				return t, true
			}
		}
	}
	return pathTarget(u)
}

// pathTarget finds a target URL written in the path of u: as one
// percent-encoded or base64-encoded segment ("/CL0/https:%2F%2Fexample.org%2Fverify/1/"),
// or written out, in which case the rest of the path and the query
// belong to it ("/r/https://example.org/verify?token=1").
func pathTarget(u *url.URL) (string, bool) {
	segments := strings.Split(u.EscapedPath(), "/")
	for i, segment := range segments {
		value, err := url.PathUnescape(segment)
		if err != nil {
			continue
		}
		if lower := strings.ToLower(value); lower == "http:" || lower == "https:" {
			written := value + "//" + strings.TrimLeft(strings.Join(segments[i+1:], "/"), "/")
			if u.RawQuery != "" {
				written += "?" + u.RawQuery
			}
			return targetFrom(written, u.Host)
		}
		if t, ok := targetFrom(value, u.Host); ok {
			return t, true
		}
	}
	return "", false
}

// targetFrom reports whether value, itself or once percent- or
// base64-decoded, is an absolute http(s) URL on a host other than
// wrapperHost.
func targetFrom(value, wrapperHost string) (string, bool) {
	for _, candidate := range []string{value, percentDecoded(value), base64Decoded(value)} {
		if !hasHTTPScheme(candidate) {
			continue
		}
		t, ok := cleanLink(candidate)
		if !ok {
			continue
		}
		if tu, err := url.Parse(t); err == nil && !strings.EqualFold(tu.Host, wrapperHost) {
			return t, true
		}
	}
	return "", false
}

func hasHTTPScheme(s string) bool {
	lower := strings.ToLower(s[:min(len(s), 8)])
	return strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
}

func percentDecoded(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return ""
}

// base64Decoded decodes s in any of the four base64 alphabets and
// paddings that redirectors use, or returns "".
func base64Decoded(s string) string {
	if len(s) < 16 {
		return ""
	}
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return string(b)
		}
	}
	return ""
}
