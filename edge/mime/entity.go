package mime

import (
	"bytes"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// maxNestingDepth bounds multipart nesting. A deeper multipart entity is
// kept as an attachment, so hostile input cannot make parsing recurse
// without end.
const maxNestingDepth = 32

// entity is one node of a message's MIME tree (RFC 2045 §2.4).
type entity struct {
	header    textproto.Header
	body      []byte            // still in its Content-Transfer-Encoding
	mediaType string            // lower case, such as "text/plain"
	params    map[string]string // Content-Type parameters, names in lower case
	container bool              // a multipart entity whose body could be split
	parts     []*entity
}

// parseEntity parses data, with CRLF line endings, into an entity tree.
// defaultType applies when the entity has no usable Content-Type.
func parseEntity(data []byte, defaultType string, depth int) *entity {
	header, body := readHeader(data)
	e := &entity{header: header, body: body}
	e.mediaType, e.params = contentType(header, defaultType)
	if !strings.HasPrefix(e.mediaType, "multipart/") || depth >= maxNestingDepth {
		return e
	}

	chunks, ok := splitMultipart(body, e.params["boundary"])
	if !ok {
		// RFC 2046 §5.1.1 requires a boundary. Without one, or when the body
		// never uses it, the body is shown as text.
		e.mediaType = "text/plain"
		return e
	}

	// RFC 2046 §5.1.5: a part of a digest without Content-Type is a message.
	childDefault := "text/plain"
	if e.mediaType == "multipart/digest" {
		childDefault = "message/rfc822"
	}
	e.container = true
	for _, chunk := range chunks {
		e.parts = append(e.parts, parseEntity(chunk, childDefault, depth+1))
	}
	return e
}

// contentType returns the media type and parameters of an entity. A missing
// or unparseable Content-Type means defaultType (RFC 2045 §5.2).
func contentType(header textproto.Header, defaultType string) (string, map[string]string) {
	value := header.Get("Content-Type")
	if strings.TrimSpace(value) == "" {
		return defaultType, map[string]string{}
	}
	mediaType, params := parseHeaderParams(value)
	typ, subtype, ok := strings.Cut(mediaType, "/")
	if !ok || typ == "" || subtype == "" {
		return defaultType, params
	}
	return mediaType, params
}

// delimiter kinds of a line in a multipart body.
const (
	notDelimiter = iota
	partDelimiter
	closeDelimiter
)

// splitMultipart returns the parts of a multipart body (RFC 2046 §5.1.1),
// and false when the boundary never starts a line. The preamble and the
// epilogue are dropped. When the close delimiter is missing, the last part
// runs to the end of the body, so a truncated message loses nothing.
func splitMultipart(body []byte, boundary string) ([][]byte, bool) {
	if boundary == "" {
		return nil, false
	}
	dashBoundary := []byte("--" + boundary)

	var parts [][]byte
	start := -1 // start of the current part, -1 in the preamble
	found := false
	for pos := 0; pos < len(body); {
		line, next, _ := cutLine(body[pos:])
		nextPos := len(body) - len(next)
		kind := delimiterKind(line, dashBoundary)
		if kind == notDelimiter {
			pos = nextPos
			continue
		}

		found = true
		if start >= 0 {
			parts = append(parts, body[start:partEnd(body, start, pos)])
		}
		if kind == closeDelimiter {
			return parts, true
		}
		start = nextPos
		pos = nextPos
	}
	if start >= 0 {
		parts = append(parts, body[start:])
	}
	return parts, found
}

// partEnd returns where a part that ends at a delimiter line starting at pos
// ends: the line break before the delimiter belongs to the delimiter.
func partEnd(body []byte, start, pos int) int {
	end := pos
	if end > start && body[end-1] == '\n' {
		end--
		if end > start && body[end-1] == '\r' {
			end--
		}
	}
	return end
}

// delimiterKind classifies a line: "--boundary" with optional trailing white
// space starts a part, and "--boundary--" closes the multipart. A longer
// boundary that merely starts with this one is no delimiter.
func delimiterKind(line, dashBoundary []byte) int {
	rest, ok := bytes.CutPrefix(line, dashBoundary)
	if !ok {
		return notDelimiter
	}
	if bytes.HasPrefix(rest, []byte("--")) {
		return closeDelimiter
	}
	if len(bytes.Trim(rest, " \t")) == 0 {
		return partDelimiter
	}
	return notDelimiter
}

// normalizeLineEndings rewrites bare LF and CR CR LF line endings as CRLF,
// so that every later step handles one form. A message without any LF, as old
// Mac software wrote, has its bare CRs taken as line endings. A lone CR inside
// a line is kept. Input already in canonical form is returned as it is.
//
// NOTE: LF bytes inside a part sent with Content-Transfer-Encoding binary
// become CRLF too. SMTP carries such parts only with BINARYMIME (RFC 3030),
// which Mayfly does not advertise, so they come only from broken senders.
func normalizeLineEndings(raw []byte) []byte {
	if bytes.IndexByte(raw, '\n') < 0 {
		return bytes.ReplaceAll(raw, []byte("\r"), []byte("\r\n"))
	}
	if isCanonicalCRLF(raw) {
		return raw
	}

	out := make([]byte, 0, len(raw)+len(raw)/32)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\n':
			out = append(out, '\r', '\n')
		case c == '\r':
			j := i
			for j < len(raw) && raw[j] == '\r' {
				j++
			}
			if j < len(raw) && raw[j] == '\n' {
				out = append(out, '\r', '\n')
				i = j
				continue
			}
			out = append(out, raw[i:j]...)
			i = j - 1
		default:
			out = append(out, c)
		}
	}
	return out
}

// isCanonicalCRLF reports whether every LF follows exactly one CR.
func isCanonicalCRLF(raw []byte) bool {
	for i, c := range raw {
		if c != '\n' {
			continue
		}
		if i == 0 || raw[i-1] != '\r' || (i >= 2 && raw[i-2] == '\r') {
			return false
		}
	}
	return true
}
