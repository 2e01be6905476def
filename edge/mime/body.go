package mime

import (
	"strings"
	"unicode/utf8"

	htmlcharset "golang.org/x/net/html/charset"
)

// bodyParts collects, in document order, the text and HTML bodies of a
// message and the leaves that become attachments.
type bodyParts struct {
	text        []string
	html        []string
	attachments []attachmentLeaf
}

// attachmentLeaf is a leaf entity chosen as an attachment, before its index
// and Inline flag are known.
type attachmentLeaf struct {
	entity   *entity
	filename string
}

// walk sorts the leaves under e into bodies and attachments.
func (b *bodyParts) walk(e *entity, nested bool) {
	switch {
	case e.container && e.mediaType == "multipart/alternative":
		b.walkAlternative(e)
	case e.container:
		for _, part := range e.parts {
			b.walk(part, true)
		}
	default:
		b.addLeaf(e, nested)
	}
}

// walkAlternative keeps, for text and for HTML separately, the body of the
// last alternative that has one, because RFC 2046 §5.1.4 orders alternatives
// by increasing preference. Attachments of every alternative are kept, so
// the images of a multipart/related alternative stay available.
func (b *bodyParts) walkAlternative(e *entity) {
	var text, html []string
	for _, part := range e.parts {
		var alternative bodyParts
		alternative.walk(part, true)
		if len(alternative.text) > 0 {
			text = alternative.text
		}
		if len(alternative.html) > 0 {
			html = alternative.html
		}
		b.attachments = append(b.attachments, alternative.attachments...)
	}
	b.text = append(b.text, text...)
	b.html = append(b.html, html...)
}

// addLeaf makes a leaf a body or an attachment. Every leaf that is not a
// text/plain or text/html body is an attachment, so no part is lost.
func (b *bodyParts) addLeaf(e *entity, nested bool) {
	disposition, dispositionParams := parseHeaderParams(e.header.Get("Content-Disposition"))
	filename := attachmentFilename(dispositionParams, e.params)
	isBody := mayBeBody(disposition, filename, nested)

	switch {
	case isBody && e.mediaType == "text/plain":
		b.text = append(b.text, decodeTextBody(e))
	case isBody && e.mediaType == "text/html":
		b.html = append(b.html, decodeHTMLBody(e))
	default:
		b.attachments = append(b.attachments, attachmentLeaf{entity: e, filename: filename})
	}
}

// mayBeBody reports whether a text leaf with this disposition and file name
// is part of the body: not when its disposition is "attachment", and not
// when it is inside a multipart and has a file name without an "inline"
// disposition (a text file sent along, such as notes.txt).
func mayBeBody(disposition, filename string, nested bool) bool {
	switch {
	case disposition == "attachment":
		return false
	case nested && filename != "" && disposition != "inline":
		return false
	default:
		return true
	}
}

// decodeTextBody returns a text/plain body as UTF-8 with "\n" line endings.
func decodeTextBody(e *entity) string {
	content := decodeTextTransfer(e.header.Get("Content-Transfer-Encoding"), e.body)
	return normalizeTextLineEndings(decodeCharset(e.params["charset"], content))
}

// decodeHTMLBody returns a text/html body as UTF-8. Without a declared
// charset, valid UTF-8 is taken as such; otherwise the HTML's own <meta>
// declaration decides, as in a browser (WHATWG HTML §13.2.3).
func decodeHTMLBody(e *entity) string {
	content := decodeTextTransfer(e.header.Get("Content-Transfer-Encoding"), e.body)
	label := e.params["charset"]
	if label == "" && !utf8.Valid(content) {
		_, label, _ = htmlcharset.DetermineEncoding(content, "text/html")
	}
	return normalizeTextLineEndings(decodeCharset(label, content))
}

// normalizeTextLineEndings turns CRLF and lone CR into "\n".
func normalizeTextLineEndings(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// joinBodies joins the text of several body parts, each on its own lines.
func joinBodies(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		b.WriteString(p)
	}
	return b.String()
}
