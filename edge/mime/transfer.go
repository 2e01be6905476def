package mime

import (
	"bytes"
	"strings"
)

// decodeTextTransfer is decodeTransfer for a text body. A body labelled
// base64 that is plainly not base64, such as words separated by spaces, is
// shown as it is, because decoding it would only produce noise.
func decodeTextTransfer(encoding string, body []byte) []byte {
	if strings.EqualFold(strings.Trim(strings.TrimSpace(encoding), `"`), "base64") && !looksLikeBase64(body) {
		return body
	}
	return decodeTransfer(encoding, body)
}

// looksLikeBase64 reports whether at least half of the non-empty lines of
// body consist of base64 characters only.
func looksLikeBase64(body []byte) bool {
	lines, encoded := 0, 0
	for len(body) > 0 {
		var line []byte
		line, body, _ = cutLine(body)
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		lines++
		if isBase64Line(line) {
			encoded++
		}
	}
	return encoded*2 >= lines
}

func isBase64Line(line []byte) bool {
	for _, c := range line {
		if _, ok := base64Value(c); !ok && c != '=' {
			return false
		}
	}
	return true
}

// appendPartialQuantum decodes the 2 or 3 sextets before padding; a single
// sextet carries less than a byte and is dropped.
func appendPartialQuantum(out []byte, q []byte) []byte {
	switch len(q) {
	case 2:
		return append(out, q[0]<<2|q[1]>>4)
	case 3:
		return append(out, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2)
	default:
		return out
	}
}

func base64Value(c byte) (byte, bool) {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A', true
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26, true
	case c >= '0' && c <= '9':
		return c - '0' + 52, true
	case c == '+':
		return 62, true
	case c == '/':
		return 63, true
	default:
		return 0, false
	}
}

func appendQuotedPrintableLine(out, line []byte) []byte {
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
			out = append(out, hexValue(line[i+1])<<4|hexValue(line[i+2]))
			i += 2
			continue
		}
		out = append(out, c)
	}
	return out
}

// cutLine splits off the first line of b, without its LF or CRLF ending.
func cutLine(b []byte) (line, rest []byte, hasBreak bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil, false
	}
	line = b[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, b[i+1:], true
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexValue(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
