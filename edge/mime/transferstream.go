package mime

import (
	"bytes"
	"strings"
)

// maxQuotedPrintableLine bounds the quoted-printable line held back until
// its end is known. RFC 2045 §6.7 limits encoded lines to 76 characters; a
// longer line is decoded in pieces.
const maxQuotedPrintableLine = 8 << 10

// transferDecoder undoes a Content-Transfer-Encoding (RFC 2045 §6) on a body
// that arrives in pieces. decode appends the decoded form of src to dst,
// and finish appends what is left at the end of the body.
type transferDecoder interface {
	decode(dst, src []byte) []byte
	finish(dst []byte) []byte
}

// newTransferDecoder returns the decoder for a Content-Transfer-Encoding
// value. 7bit, 8bit, binary and unknown encodings leave the body as it is,
// because showing the bytes beats showing nothing.
func newTransferDecoder(encoding string) transferDecoder {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(encoding), `"`)) {
	case "base64":
		return &base64Decoder{}
	case "quoted-printable":
		return &quotedPrintableDecoder{}
	default:
		return identityDecoder{}
	}
}

// decodeTransfer undoes a Content-Transfer-Encoding on a whole body.
func decodeTransfer(encoding string, body []byte) []byte {
	d := newTransferDecoder(encoding)
	out := d.decode(make([]byte, 0, len(body)), body)
	return d.finish(out)
}

// decodeBase64 decodes a whole base64 body (see base64Decoder).
func decodeBase64(src []byte) []byte {
	var d base64Decoder
	return d.finish(d.decode(make([]byte, 0, len(src)/4*3+3), src))
}

// decodeQuotedPrintable decodes a whole quoted-printable body (see
// quotedPrintableDecoder).
func decodeQuotedPrintable(src []byte) []byte {
	var d quotedPrintableDecoder
	return d.finish(d.decode(make([]byte, 0, len(src)), src))
}

type identityDecoder struct{}

func (identityDecoder) decode(dst, src []byte) []byte { return append(dst, src...) }
func (identityDecoder) finish(dst []byte) []byte      { return dst }

// base64Decoder decodes base64 leniently: characters outside the alphabet
// (line breaks, spaces, stray punctuation) are skipped, and "=" ends the
// current quantum, so concatenated padded chunks decode one after another.
type base64Decoder struct {
	quantum [4]byte
	n       int
}

func (d *base64Decoder) decode(dst, src []byte) []byte {
	for _, c := range src {
		if c == '=' {
			dst = appendPartialQuantum(dst, d.quantum[:d.n])
			d.n = 0
			continue
		}
		v, ok := base64Value(c)
		if !ok {
			continue
		}
		d.quantum[d.n] = v
		d.n++
		if d.n == 4 {
			q := d.quantum
			dst = append(dst, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
			d.n = 0
		}
	}
	return dst
}

func (d *base64Decoder) finish(dst []byte) []byte {
	dst = appendPartialQuantum(dst, d.quantum[:d.n])
	d.n = 0
	return dst
}

// quotedPrintableDecoder decodes quoted-printable leniently, as RFC 2045
// §6.7 suggests. Trailing white space on a line is dropped, and "=" at the
// end of a line is a soft line break. An "=" not followed by two hex digits
// is kept literally, and raw 8-bit bytes pass through. Hard line breaks
// become CRLF, the canonical form.
type quotedPrintableDecoder struct {
	line []byte // the current line, up to maxQuotedPrintableLine bytes
}

func (d *quotedPrintableDecoder) decode(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			d.line = append(d.line, src...)
			if len(d.line) > maxQuotedPrintableLine {
				dst = d.decodeLongLine(dst)
			}
			return dst
		}
		d.line = append(d.line, src[:i]...)
		src = src[i+1:]
		dst = appendQuotedPrintableLineEnd(dst, bytes.TrimSuffix(d.line, []byte("\r")), true)
		d.line = d.line[:0]
	}
	return dst
}

func (d *quotedPrintableDecoder) finish(dst []byte) []byte {
	dst = appendQuotedPrintableLineEnd(dst, d.line, false)
	d.line = d.line[:0]
	return dst
}

// decodeLongLine decodes the start of a line whose end has not arrived. It
// holds back the bytes whose meaning depends on what follows: trailing white
// space and an escape or soft line break that may be cut short.
func (d *quotedPrintableDecoder) decodeLongLine(dst []byte) []byte {
	cut := holdBackEscape(d.line, len(d.line))
	if trimmed := len(bytes.TrimRight(d.line[:cut], " \t\r")); trimmed > 0 {
		cut = holdBackEscape(d.line, trimmed)
	}
	dst = appendQuotedPrintableLine(dst, d.line[:cut])
	d.line = append(d.line[:0], d.line[cut:]...)
	return dst
}

// holdBackEscape moves cut before an "=" among the two bytes before it.
func holdBackEscape(line []byte, cut int) int {
	for i := max(cut-2, 0); i < cut; i++ {
		if line[i] == '=' {
			return i
		}
	}
	return cut
}

// appendQuotedPrintableLineEnd decodes the last piece of a line.
func appendQuotedPrintableLineEnd(dst, line []byte, hasBreak bool) []byte {
	line = bytes.TrimRight(line, " \t")
	soft := bytes.HasSuffix(line, []byte("="))
	if soft {
		line = line[:len(line)-1]
	}
	dst = appendQuotedPrintableLine(dst, line)
	if hasBreak && !soft {
		dst = append(dst, '\r', '\n')
	}
	return dst
}
