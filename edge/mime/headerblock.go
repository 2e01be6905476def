package mime

import (
	"bufio"
	"bytes"

	"github.com/emersion/go-message/textproto"
)

// maxHeaderBytes bounds the header block of one entity. Bytes past it are
// dropped, so a field that crosses the limit is cut short. Real headers,
// long Received chains and DKIM signatures included, stay far below it.
const maxHeaderBytes = 128 << 10

// What a line means to the header being read.
const (
	headerLine      = iota // the line belongs to the header
	headerEnd              // a blank line: the body starts after it
	headerBodyStart        // the line is no header line and starts the body
)

// headerBlock collects the lines of an entity's header (RFC 5322 §2.1),
// one at a time, and repairs what senders get wrong instead of rejecting it:
//
//   - an mbox "From " separator line at the start is dropped;
//   - white space before the first field is dropped;
//   - an unindented line without a colon right after a line ending in ";" or
//     "," continues that field, as broken folding of parameters and address
//     lists produces;
//   - any other line that is neither a field nor a continuation starts the
//     body, so text without a header becomes body as a whole.
//
// A line may arrive in several segments: beginLine takes the first and
// continueLine the others.
type headerBlock struct {
	block         []byte // repaired lines with CRLF endings, at most maxHeaderBytes
	full          bool   // maxHeaderBytes was reached
	hasLines      bool   // a line was added to block
	lines         int    // lines seen, a dropped one included
	skipping      bool   // the current line is dropped
	lastByte      byte   // last byte other than SP or HT of the current line
	prevSeparator bool   // the previous line ended in ";" or ","
}

// beginLine takes the first segment of a line and returns what the line
// means: headerLine, headerEnd or headerBodyStart. complete is true when
// the segment is the whole line.
func (h *headerBlock) beginLine(line []byte, complete bool) int {
	first := h.lines == 0
	h.lines++
	switch {
	case len(line) == 0:
		return headerEnd
	case first && bytes.HasPrefix(line, []byte("From ")):
		h.skipping = true
	case first && isHeaderField(bytes.TrimLeft(line, " \t")):
		h.add(bytes.TrimLeft(line, " \t"))
	case isHeaderField(line):
		h.add(line)
	case h.hasLines && (line[0] == ' ' || line[0] == '\t'):
		h.add(line)
	case h.hasLines && h.prevSeparator:
		h.add([]byte{' '})
		h.add(line)
	default:
		return headerBodyStart
	}
	h.noteBytes(line)
	if complete {
		h.endLine()
	}
	return headerLine
}

// continueLine takes a further segment of a line that beginLine accepted.
func (h *headerBlock) continueLine(segment []byte, complete bool) {
	if !h.skipping {
		h.add(segment)
	}
	h.noteBytes(segment)
	if complete {
		h.endLine()
	}
}

func (h *headerBlock) endLine() {
	if !h.skipping {
		h.add([]byte("\r\n"))
	}
	h.prevSeparator = h.lastByte == ';' || h.lastByte == ','
	h.lastByte = 0
	h.skipping = false
}

func (h *headerBlock) noteBytes(b []byte) {
	if b = bytes.TrimRight(b, " \t"); len(b) > 0 {
		h.lastByte = b[len(b)-1]
	}
}

func (h *headerBlock) add(b []byte) {
	h.hasLines = true
	if h.full {
		return
	}
	if room := maxHeaderBytes - len(h.block); len(b) > room {
		b = b[:room]
		h.full = true
	}
	h.block = append(h.block, b...)
}

// maxHeaderReadBuffer is the largest buffer header reads through.
const maxHeaderReadBuffer = 4 << 10

// header parses the collected lines with go-message. The repaired block
// contains only fields and continuation lines, which ReadHeader accepts.
// Should it still fail, it returns the fields read before the error, which
// are the best available.
func (h *headerBlock) header() textproto.Header {
	block := append(h.block, '\r', '\n')
	// A reader sized to the block, rather than bufio's 4 KiB default,
	// saves most of an allocation for a typical header of a few hundred
	// bytes. ReadHeader reads lines longer than the buffer in pieces.
	size := min(len(block), maxHeaderReadBuffer)
	header, _ := textproto.ReadHeader(bufio.NewReaderSize(bytes.NewReader(block), size))
	return header
}

// readHeader parses the header at the start of data, such as the header of
// an attached message.
func readHeader(data []byte) textproto.Header {
	var h headerBlock
	for len(data) > 0 {
		line, rest, _ := cutLine(data)
		if h.beginLine(line, true) != headerLine {
			break
		}
		data = rest
	}
	return h.header()
}
