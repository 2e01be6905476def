package mime

import (
	"strings"
	"unicode/utf8"

	htmlcharset "golang.org/x/net/html/charset"
)

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
func decodeTextBody(e *entityInfo, body []byte) string {
	content := decodeTextTransfer(e.header.Get("Content-Transfer-Encoding"), body)
	return normalizeTextLineEndings(decodeCharset(e.params["charset"], content))
}

// decodeHTMLBody returns a text/html body as UTF-8. Without a declared
// charset, valid UTF-8 is taken as such; otherwise the HTML's own <meta>
// declaration decides, as in a browser (WHATWG HTML §13.2.3).
func decodeHTMLBody(e *entityInfo, body []byte) string {
	content := decodeTextTransfer(e.header.Get("Content-Transfer-Encoding"), body)
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

// What a leaf entity is to the message view.
const (
	textLeaf = iota
	htmlLeaf
	attachmentLeaf
)

// classifyLeaf returns whether a leaf is a text body, an HTML body or an
// attachment, and the file name it declares. Every leaf that is not a
// text/plain or text/html body is an attachment, so no part is lost.
func classifyLeaf(e *entityInfo) (kind int, filename string) {
	disposition, dispositionParams := parseHeaderParams(e.header.Get("Content-Disposition"))
	filename = attachmentFilename(dispositionParams, e.params)
	isBody := mayBeBody(disposition, filename, e.depth > 0)

	switch {
	case isBody && e.mediaType == "text/plain":
		return textLeaf, filename
	case isBody && e.mediaType == "text/html":
		return htmlLeaf, filename
	default:
		return attachmentLeaf, filename
	}
}
