package mime

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
)

// decodeCharset converts b from the charset named by label to UTF-8. It never
// fails: see decodeUndeclared for an empty label, and an unknown label or a
// failed conversion keeps the bytes with invalid UTF-8 replaced by U+FFFD.
func decodeCharset(label string, b []byte) string {
	label = normalizeCharsetLabel(label)
	switch label {
	case "":
		return decodeUndeclared(b)
	case "utf-8", "utf8":
		return toValidUTF8(b)
	case "us-ascii", "ascii":
		// 8-bit bytes break the declaration anyway, so UTF-8 is the likeliest
		// meaning when they are valid UTF-8.
		return decodeUndeclared(b)
	case "iso-8859-1", "iso8859-1", "latin1", "l1":
		// The WHATWG Encoding Standard maps the ISO-8859-1 label to
		// Windows-1252. The two differ only in 0x80-0x9F, where Windows-1252
		// has the curly quotes and the euro sign that senders write.
		return decodeWindows1252(b)
	}

	r, err := charset.Reader(label, bytes.NewReader(b))
	if err != nil {
		return toValidUTF8(b)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return toValidUTF8(b)
	}
	return toValidUTF8(out)
}

// decodeUndeclared converts text whose charset is not declared, such as raw
// 8-bit header values (RFC 6532 allows UTF-8 there). Valid UTF-8 is kept, and
// anything else is read as Windows-1252, the usual legacy default.
func decodeUndeclared(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return decodeWindows1252(b)
}

func decodeWindows1252(b []byte) string {
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return toValidUTF8(b)
	}
	return toValidUTF8(out)
}

func toValidUTF8(b []byte) string {
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// normalizeCharsetLabel lower-cases a charset label and drops quotes and an
// RFC 2231 §5 language suffix ("utf-8*en").
func normalizeCharsetLabel(label string) string {
	label = strings.Trim(strings.TrimSpace(label), `"'`)
	if i := strings.IndexByte(label, '*'); i >= 0 {
		label = label[:i]
	}
	return strings.ToLower(strings.TrimSpace(label))
}
