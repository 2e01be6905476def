package mime

import "bytes"

// maxLineBytes bounds the part of a line held in memory. A longer line is
// passed on in segments, and such a line is never a multipart delimiter.
// RFC 5322 §2.1.1 limits lines to 998 characters, so only broken or hostile
// mail comes near it.
const maxLineBytes = 64 << 10

// lineSegment is a whole line, or a piece of a line longer than
// maxLineBytes. Its data is valid only during the call that receives it.
type lineSegment struct {
	data   []byte // without the line break
	start  bool   // the segment starts a line
	end    bool   // the segment ends a line
	broken bool   // the line ended with a line break, not with the input
}

// whole reports whether the segment is a complete line.
func (s lineSegment) whole() bool {
	return s.start && s.end
}

// lineEndings is the choice of bytes that end a line.
type lineEndings int

const (
	endingsUndecided lineEndings = iota
	// endingsLF: LF ends a line, together with any CRs right before it, so
	// CRLF, bare LF and CR CR LF are one line break each. A CR elsewhere is
	// kept as a byte of the line.
	endingsLF
	// endingsCR: CR, LF and CRLF each end a line, for mail from old Mac
	// software, which wrote bare CRs.
	endingsCR
)

// lineSplitter cuts a byte stream into lines, normalising line endings on
// the way. It decides between endingsLF and endingsCR on the first
// maxLineBytes of input: bare CR endings are assumed only when that much
// input has a CR and no LF at all.
type lineSplitter struct {
	emit    func(lineSegment)
	endings lineEndings
	probe   []byte // input held until the line endings are decided
	line    []byte // the current line, at most maxLineBytes+1 bytes
	crs     int    // CRs after line that an LF may still turn into a line break
	afterCR bool   // endingsCR: the last byte was a CR, so an LF right after it is part of that break
	inLine  bool   // a segment of the current line was emitted already
}

// write adds p to the stream. The splitter does not keep p.
func (s *lineSplitter) write(p []byte) {
	for s.endings == endingsUndecided && len(p) > 0 {
		n := min(len(p), maxLineBytes+1-len(s.probe))
		s.probe = append(s.probe, p[:n]...)
		hasLF := bytes.IndexByte(p[:n], '\n') >= 0
		p = p[n:]
		if hasLF || len(s.probe) > maxLineBytes {
			s.decide()
		}
	}
	s.split(p)
}

// finish ends the stream and emits the last line when the input does not
// end with a line break.
func (s *lineSplitter) finish() {
	if s.endings == endingsUndecided {
		s.decide()
	}
	s.addCRs()
	if len(s.line) > 0 || s.inLine {
		s.emit(lineSegment{data: s.line, start: !s.inLine, end: true})
	}
	s.line = s.line[:0]
	s.inLine = false
}

// decide picks the line endings from the probe and splits it.
func (s *lineSplitter) decide() {
	s.endings = endingsLF
	if bytes.IndexByte(s.probe, '\n') < 0 && bytes.IndexByte(s.probe, '\r') >= 0 {
		s.endings = endingsCR
	}
	probe := s.probe
	s.probe = nil
	s.split(probe)
}

func (s *lineSplitter) split(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			s.addText(p)
			return
		}
		s.addText(p[:i])
		c := p[i]
		p = p[i+1:]

		switch {
		case s.endings == endingsLF && c == '\r':
			s.crs++
		case s.endings == endingsLF:
			s.crs = 0
			s.endLine()
		case c == '\n' && s.afterCR:
			s.afterCR = false
		default:
			s.afterCR = c == '\r'
			s.endLine()
		}
	}
}

// addText appends bytes that are not line breaks to the current line.
func (s *lineSplitter) addText(b []byte) {
	if len(b) == 0 {
		return
	}
	s.afterCR = false
	s.addCRs()
	s.add(b)
}

// addCRs keeps the CRs that turned out not to end the line.
func (s *lineSplitter) addCRs() {
	if s.crs == 0 {
		return
	}
	var crs [64]byte
	for i := range crs {
		crs[i] = '\r'
	}
	for s.crs > 0 {
		n := min(s.crs, len(crs))
		s.add(crs[:n])
		s.crs -= n
	}
}

// add appends b to the current line and emits maxLineBytes at a time
// of a line that grows longer.
func (s *lineSplitter) add(b []byte) {
	for len(b) > 0 {
		n := min(len(b), maxLineBytes+1-len(s.line))
		s.line = append(s.line, b[:n]...)
		b = b[n:]
		if len(s.line) > maxLineBytes {
			s.emit(lineSegment{data: s.line[:maxLineBytes], start: !s.inLine})
			s.inLine = true
			s.line = append(s.line[:0], s.line[maxLineBytes:]...)
		}
	}
}

func (s *lineSplitter) endLine() {
	s.emit(lineSegment{data: s.line, start: !s.inLine, end: true, broken: true})
	s.line = s.line[:0]
	s.inLine = false
}
