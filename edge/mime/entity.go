package mime

import (
	"bytes"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// maxNestingDepth bounds multipart nesting. A multipart entity this deep is
// kept whole as an attachment, so hostile nesting can neither recurse
// without end nor grow the list of open boundaries past this many.
const maxNestingDepth = 32

// maxPreambleBytes bounds the text before the first delimiter of a
// multipart body. A multipart entity whose boundary does not start a line
// within this many bytes is shown as text, like one whose boundary never
// appears.
const maxPreambleBytes = 64 << 10

// entityInfo describes one entity of a message's MIME tree (RFC 2045 §2.4)
// once its header has been read.
type entityInfo struct {
	header    textproto.Header
	mediaType string            // lower case, such as "text/plain"
	params    map[string]string // Content-Type parameters, names in lower case
	depth     int               // 0 for the message itself
}

// entityHandler receives the entities of a message in document order from
// a scanner. A multipart entity whose body could be split arrives as
// startContainer, its parts, then endContainer. Every other entity is a
// leaf: startLeaf, its body in pieces through leafData, then endLeaf. The
// body is still in its Content-Transfer-Encoding, and the slice passed to
// leafData is valid only during the call.
type entityHandler interface {
	startContainer(e *entityInfo)
	endContainer()
	startLeaf(e *entityInfo)
	leafData(p []byte)
	endLeaf()
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

// partDefaultType returns the media type of a part without Content-Type:
// a message in a digest (RFC 2046 §5.1.5), text elsewhere.
func partDefaultType(container string) string {
	if container == "multipart/digest" {
		return "message/rfc822"
	}
	return "text/plain"
}

// delimiter kinds of a line in a multipart body.
const (
	notDelimiter = iota
	partDelimiter
	closeDelimiter
)

// delimiterKind classifies a line (RFC 2046 §5.1.1): "--boundary" with
// optional trailing white space starts a part, and "--boundary--" closes the
// multipart. A longer boundary that merely starts with this one is no
// delimiter.
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
