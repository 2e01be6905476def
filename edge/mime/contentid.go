package mime

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// ResolveContentIDs rewrites the cid: image sources of sanitized HTML, such
// as Message.HTML, into URLs that serve the attachments they reference.
// urlFor builds the URL of one attachment, normally a same-origin path of
// the attachment download. An image whose cid: names no attachment loses its
// src, so no cid: URL remains. Other markup passes through unchanged.
//
// ResolveContentIDs expects the output of SanitizeHTML and checks nothing
// else: a URL from urlFor is inserted as it is.
func ResolveContentIDs(sanitizedHTML string, attachments []Attachment, urlFor func(Attachment) string) string {
	var b strings.Builder
	b.Grow(len(sanitizedHTML))
	z := html.NewTokenizer(strings.NewReader(sanitizedHTML))
	for {
		if z.Next() == html.ErrorToken {
			// Reading from a string, the only error is io.EOF.
			return b.String()
		}
		token := z.Token()
		if token.Data == "img" && (token.Type == html.StartTagToken || token.Type == html.SelfClosingTagToken) {
			token.Attr = resolveImageSource(token.Attr, attachments, urlFor)
		}
		b.WriteString(token.String())
	}
}

func resolveImageSource(attrs []html.Attribute, attachments []Attachment, urlFor func(Attachment) string) []html.Attribute {
	kept := attrs[:0]
	for _, a := range attrs {
		if a.Key == "src" {
			if id, ok := contentIDReference(a.Val); ok {
				att, found := findContentID(attachments, id)
				if !found {
					continue
				}
				a.Val = urlFor(att)
			}
		}
		kept = append(kept, a)
	}
	return kept
}

func findContentID(attachments []Attachment, id string) (Attachment, bool) {
	for _, a := range attachments {
		if a.ContentID != "" && strings.EqualFold(a.ContentID, id) {
			return a, true
		}
	}
	return Attachment{}, false
}

// contentIDReference returns the Content-ID that a cid: URL names. RFC 2392
// §2 lets the URL percent-encode it.
func contentIDReference(src string) (string, bool) {
	src = strings.TrimSpace(src)
	if len(src) < len("cid:") || !strings.EqualFold(src[:len("cid:")], "cid:") {
		return "", false
	}
	id := src[len("cid:"):]
	if unescaped, err := url.PathUnescape(id); err == nil {
		id = unescaped
	}
	return strings.Trim(id, "<> "), true
}

// referencedContentIDs returns the Content-IDs that the images of sanitized
// HTML reference, in lower case, each once, in document order.
func referencedContentIDs(sanitizedHTML string) []string {
	var ids []string
	seen := make(map[string]bool)
	z := html.NewTokenizer(strings.NewReader(sanitizedHTML))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return ids
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if string(name) != "img" {
			continue
		}
		for hasAttr {
			var key, val []byte
			key, val, hasAttr = z.TagAttr()
			if string(key) != "src" {
				continue
			}
			if id, ok := contentIDReference(string(val)); ok && !seen[strings.ToLower(id)] {
				seen[strings.ToLower(id)] = true
				ids = append(ids, strings.ToLower(id))
			}
		}
	}
}
