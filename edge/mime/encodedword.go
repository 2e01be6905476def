package mime

import (
	"regexp"
	"strings"
)

// encodedWordPattern matches one RFC 2047 encoded-word: charset, encoding
// and encoded text. The text is matched lazily up to the next "?=". Spaces
// in the text or around the encoding letter break RFC 2047 §5, but some
// senders write them.
var encodedWordPattern = regexp.MustCompile(`=\?([^?\s]+)\?\s*([bBqQ])\s*\?(.*?)\?=`)

// decodeHeaderText decodes the encoded-words of an unstructured header
// value and converts the rest from raw 8-bit text to UTF-8.
//
// Following RFC 2047 §6.2, white space between two adjacent encoded-words is
// dropped. The decoded bytes of adjacent words in the same charset are joined
// before conversion, so a character split across two words survives. A word
// whose encoded text is not valid base64 is kept literally.
func decodeHeaderText(value string) string {
	if !strings.Contains(value, "=?") {
		return decodeUndeclared([]byte(value))
	}

	var out strings.Builder
	var run wordRun
	last := 0
	for _, m := range encodedWordPattern.FindAllStringSubmatchIndex(value, -1) {
		between := value[last:m[0]]
		charsetLabel, encoding, text := value[m[2]:m[3]], value[m[4]:m[5]], value[m[6]:m[7]]
		last = m[1]

		decoded, ok := decodeWordText(encoding, text)
		if !ok {
			run.flush(&out)
			out.WriteString(decodeUndeclared([]byte(between + value[m[0]:m[1]])))
			continue
		}
		if !run.active() || !isLinearWhiteSpace(between) {
			run.flush(&out)
			out.WriteString(decodeUndeclared([]byte(between)))
		}
		run.add(&out, charsetLabel, decoded)
	}
	run.flush(&out)
	out.WriteString(decodeUndeclared([]byte(value[last:])))
	return out.String()
}

// wordRun collects the decoded bytes of adjacent encoded-words that share a
// charset.
type wordRun struct {
	charset string
	bytes   []byte
}

func (r *wordRun) active() bool {
	return r.charset != ""
}

func (r *wordRun) add(out *strings.Builder, charsetLabel string, decoded []byte) {
	label := normalizeCharsetLabel(charsetLabel)
	if label == "" {
		// A charset of "*lang" alone names no charset.
		label = "us-ascii"
	}
	if r.active() && r.charset != label {
		r.flush(out)
	}
	r.charset = label
	r.bytes = append(r.bytes, decoded...)
}

func (r *wordRun) flush(out *strings.Builder) {
	if !r.active() {
		return
	}
	out.WriteString(decodeCharset(r.charset, r.bytes))
	r.charset = ""
	r.bytes = r.bytes[:0]
}

// decodeWordText decodes the text of one encoded-word: "B" is base64 and
// "Q" is the quoted-printable variant of RFC 2047 §4.2, where "_" is a space.
func decodeWordText(encoding, text string) ([]byte, bool) {
	if strings.EqualFold(encoding, "b") {
		decoded := decodeBase64([]byte(text))
		return decoded, len(decoded) > 0 || strings.Trim(text, "=") == ""
	}

	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			out = append(out, hexValue(text[i+1])<<4|hexValue(text[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out, true
}

func isLinearWhiteSpace(s string) bool {
	return strings.Trim(s, " \t\r\n") == ""
}
