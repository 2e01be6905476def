package mime

import (
	"bytes"
	"strings"
)

// bodyFlushBytes is how much body the scanner gathers before passing it on.
const bodyFlushBytes = 32 << 10

// initialBodyBuffer is the starting capacity of the scanner's body
// buffer. Grown from empty, it allocated about 14 KB for each 4 KiB
// message that smtp-source sent; one allocation of this size holds such
// a body.
const initialBodyBuffer = 8 << 10

// scanState is the part of an entity that the scanner is reading.
type scanState int

const (
	readingHeader   scanState = iota
	readingPreamble           // a multipart body before its first delimiter
	readingBody               // the body of a leaf
	readingEpilogue           // after the close delimiter of the innermost open multipart
)

// openContainer is a multipart entity whose parts are being read.
type openContainer struct {
	mediaType    string
	dashBoundary []byte
	closed       bool // the close delimiter was seen, so the rest is epilogue
}

// scanner reads a message as a stream and reports its entities to an
// entityHandler. It holds only bounded state: the current line, the header
// being read, the preamble of a multipart entity and the boundaries of the
// open multiparts. Parse, SummaryWriter and OpenAttachment all read mail
// through it, so they agree on every message.
//
// Line endings are normalised to CRLF (see lineSplitter). A part ends where
// a delimiter line of any open multipart starts. The outermost multipart
// is matched first, as when each multipart body is split on its own
// boundary. The line break before a delimiter belongs to the delimiter
// (RFC 2046 §5.1.1). A missing
// close delimiter ends the last part at the end of the input, so a
// truncated message loses nothing. Preambles and epilogues are dropped.
type scanner struct {
	handler entityHandler
	lines   lineSplitter
	open    []*openContainer
	state   scanState
	empty   bool // only ASCII white space so far

	// The entity being read.
	header       headerBlock
	defaultType  string
	depth        int
	pending      *entityInfo // readingPreamble: a multipart entity waiting for its first delimiter
	dashBoundary []byte      // readingPreamble: "--" and the boundary of pending
	preamble     []byte
	body         []byte // readingBody: body bytes not yet passed on
	pendingBreak bool   // the last body line ended with a line break not yet added
}

func newScanner(handler entityHandler) *scanner {
	s := &scanner{handler: handler, empty: true, body: make([]byte, 0, initialBodyBuffer)}
	s.lines.emit = s.segment
	s.startEntity("text/plain", 0)
	return s
}

// write adds p to the message. The scanner does not keep p.
func (s *scanner) write(p []byte) {
	if s.empty {
		s.empty = isASCIISpace(p)
	}
	s.lines.write(p)
	s.flushBody()
}

// finish ends the message: the entity being read ends, and so does every
// open multipart.
func (s *scanner) finish() {
	s.lines.finish()
	s.endEntity(true)
	for len(s.open) > 0 {
		s.popContainer()
	}
}

func (s *scanner) segment(seg lineSegment) {
	if seg.whole() {
		if level, kind := s.matchDelimiter(seg.data); kind != notDelimiter {
			s.delimiter(level, kind)
			return
		}
	}
	switch s.state {
	case readingHeader:
		s.headerSegment(seg)
	case readingPreamble:
		s.preambleSegment(seg)
	case readingBody:
		s.bodySegment(seg)
	}
}

// matchDelimiter returns the level in s.open of the multipart that line
// delimits, or len(s.open) for the entity waiting for its first delimiter,
// and the kind of delimiter.
func (s *scanner) matchDelimiter(line []byte) (int, int) {
	if !bytes.HasPrefix(line, []byte("--")) {
		return 0, notDelimiter
	}
	for level, c := range s.open {
		if c.closed {
			continue
		}
		if kind := delimiterKind(line, c.dashBoundary); kind != notDelimiter {
			return level, kind
		}
	}
	if s.state == readingPreamble {
		if kind := delimiterKind(line, s.dashBoundary); kind != notDelimiter {
			return len(s.open), kind
		}
	}
	return 0, notDelimiter
}

// delimiter ends the current part of the multipart at level, and the parts
// and multiparts inside it, then starts its next part or its epilogue.
func (s *scanner) delimiter(level, kind int) {
	if level == len(s.open) {
		s.openPending()
	} else {
		s.endEntity(false)
		for len(s.open) > level+1 {
			s.popContainer()
		}
	}

	c := s.open[level]
	if kind == closeDelimiter {
		c.closed = true
		s.state = readingEpilogue
		return
	}
	s.startEntity(partDefaultType(c.mediaType), level+1)
}

func (s *scanner) startEntity(defaultType string, depth int) {
	s.header = headerBlock{}
	s.defaultType = defaultType
	s.depth = depth
	s.state = readingHeader
	s.pendingBreak = false
}

func (s *scanner) headerSegment(seg lineSegment) {
	if !seg.start {
		s.header.continueLine(seg.data, seg.end)
		return
	}
	switch s.header.beginLine(seg.data, seg.end) {
	case headerEnd:
		s.endHeader()
	case headerBodyStart:
		s.endHeader()
		s.segment(seg)
	}
}

// endHeader parses the header just read and decides what the entity is.
func (s *scanner) endHeader() {
	info := &entityInfo{header: s.header.header(), depth: s.depth}
	info.mediaType, info.params = contentType(info.header, s.defaultType)
	s.header = headerBlock{}

	if strings.HasPrefix(info.mediaType, "multipart/") && s.depth < maxNestingDepth {
		if boundary := info.params["boundary"]; boundary != "" {
			s.pending = info
			s.dashBoundary = []byte("--" + boundary)
			s.state = readingPreamble
			return
		}
		// RFC 2046 §5.1.1 requires a boundary. Without one, or when the body
		// never uses it, the body is shown as text.
		info.mediaType = "text/plain"
	}
	s.handler.startLeaf(info)
	s.state = readingBody
}

func (s *scanner) preambleSegment(seg lineSegment) {
	s.preamble = s.appendBody(s.preamble, seg)
	if len(s.preamble) > maxPreambleBytes {
		s.pendingAsText()
	}
}

// pendingAsText turns the entity waiting for its first delimiter into a
// text leaf whose body starts with the preamble read so far.
func (s *scanner) pendingAsText() {
	s.pending.mediaType = "text/plain"
	s.handler.startLeaf(s.pending)
	s.body = append(s.body, s.preamble...)
	s.pending, s.dashBoundary, s.preamble = nil, nil, nil
	s.state = readingBody
}

// openPending makes the entity waiting for its first delimiter a container.
func (s *scanner) openPending() {
	s.handler.startContainer(s.pending)
	s.open = append(s.open, &openContainer{mediaType: s.pending.mediaType, dashBoundary: s.dashBoundary})
	s.pending, s.dashBoundary, s.preamble = nil, nil, nil
}

func (s *scanner) popContainer() {
	s.open = s.open[:len(s.open)-1]
	s.handler.endContainer()
}

func (s *scanner) bodySegment(seg lineSegment) {
	s.body = s.appendBody(s.body, seg)
	if len(s.body) >= bodyFlushBytes {
		s.flushBody()
	}
}

// appendBody appends a line segment to body bytes. The line break after a
// line is added only when another line follows, because the line break
// before a delimiter belongs to the delimiter.
func (s *scanner) appendBody(dst []byte, seg lineSegment) []byte {
	if seg.start && s.pendingBreak {
		dst = append(dst, '\r', '\n')
		s.pendingBreak = false
	}
	dst = append(dst, seg.data...)
	if seg.end {
		s.pendingBreak = seg.broken
	}
	return dst
}

func (s *scanner) flushBody() {
	if len(s.body) > 0 {
		s.handler.leafData(s.body)
		s.body = s.body[:0]
	}
}

// endEntity ends the entity being read. At the end of the input, a line
// break after the last line is part of the body.
func (s *scanner) endEntity(atEOF bool) {
	if s.state == readingHeader {
		s.endHeader()
	}
	if s.state == readingPreamble {
		s.pendingAsText()
	}
	if s.state == readingBody {
		if atEOF && s.pendingBreak {
			s.body = append(s.body, '\r', '\n')
		}
		s.flushBody()
		s.handler.endLeaf()
	}
	s.pendingBreak = false
	s.state = readingEpilogue
}

// isASCIISpace reports whether p holds only ASCII white space.
func isASCIISpace(p []byte) bool {
	for _, c := range p {
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f':
		default:
			return false
		}
	}
	return true
}
