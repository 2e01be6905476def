package mime

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// decodeCharset converts b from the charset named by label to UTF-8. It never
// fails: see decodeUndeclared for an empty label, and an unknown label or a
// failed conversion keeps the bytes with invalid UTF-8 replaced by U+FFFD.
//
// Labels are looked up as a browser does, in the WHATWG Encoding Standard
// (golang.org/x/text/encoding/htmlindex), because mail clients follow the
// same practice: ISO-8859-1 and US-ASCII text with bytes 0x80-0x9F is
// Windows-1252, GB2312 is GBK, and KS_C_5601-1987 is EUC-KR. Labels it does
// not know, such as IBM code pages, go to the IANA registry through
// go-message's charset package.
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
	}
	label = charsetAlias(label)

	if enc, err := htmlindex.Get(label); err == nil {
		out, err := enc.NewDecoder().Bytes(b)
		if err != nil {
			return toValidUTF8(b)
		}
		return toValidUTF8(out)
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

// charsetAlias maps labels that mailers write but neither the WHATWG
// Encoding Standard nor the IANA registry lists to one that they do.
func charsetAlias(label string) string {
	switch label {
	case "cp932", "ms932", "ms_kanji", "x-ms-cp932":
		return "windows-31j"
	case "cp949", "ms949", "uhc", "ks_c_5601", "ksc_5601":
		return "euc-kr"
	case "euc-cn", "x-euc-cn", "cp936", "ms936":
		return "gbk"
	}
	// "cp-1250", "win-1251", "win1252": Windows code pages spelt loosely.
	for _, prefix := range []string{"cp-", "win-", "win", "windows"} {
		if rest, ok := strings.CutPrefix(label, prefix); ok && len(rest) == 4 && strings.HasPrefix(rest, "125") {
			return "windows-" + rest
		}
	}
	return label
}

// decodeUndeclared converts text whose charset is not declared, such as raw
// 8-bit header values (RFC 6532 allows UTF-8 there). Valid UTF-8 is kept, and
// anything else is read as Windows-1252, the usual legacy default.
func decodeUndeclared(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
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
