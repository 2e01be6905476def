package mime

import (
	"bytes"
	stdmime "mime"
	"strings"
	"unicode"
)

// isHeaderField reports whether line starts with a field name and a colon
// (RFC 5322 §2.2). White space between name and colon is tolerated.
func isHeaderField(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// parseHeaderParams parses a header value with parameters, such as
// Content-Type or Content-Disposition. It returns the lower-case value and
// the parameters with lower-case names. Strict parsing with mime.ParseMediaType
// comes first, because it joins RFC 2231 continuations and decodes their
// charset. Values it rejects (a missing ";", duplicate or unquoted special
// characters) go through a lenient parser.
func parseHeaderParams(value string) (string, map[string]string) {
	v, params, err := stdmime.ParseMediaType(value)
	if err != nil {
		v, params = parseHeaderParamsLenient(value)
	}
	// A value may still hold RFC 2047 encoded-words inside quotes, which
	// many mailers write for file names although RFC 2047 §5 forbids it, or
	// raw 8-bit text.
	for name, p := range params {
		params[name] = decodeHeaderText(p)
	}
	return v, params
}

// parseHeaderParamsLenient reads a value up to the first character that
// cannot be part of a media type, then name=value pairs separated by ";" or
// white space. The first of duplicate parameters wins, and a single
// RFC 2231 extended value (name*=, with charset, language and percent
// escapes) is decoded.
func parseHeaderParamsLenient(value string) (string, map[string]string) {
	end := strings.IndexFunc(value, func(r rune) bool { return !isMediaTypeChar(r) })
	if end < 0 {
		end = len(value)
	}
	v := strings.ToLower(strings.TrimSpace(value[:end]))

	params := make(map[string]string)
	extended := make(map[string]string)
	rest := value[end:]
	for {
		rest = strings.TrimLeft(rest, " \t;")
		if rest == "" {
			break
		}
		var name, paramValue string
		var hasValue bool
		name, paramValue, hasValue, rest = nextParam(rest)
		if !hasValue || name == "" {
			continue
		}
		if base, ok := strings.CutSuffix(name, "*"); ok {
			if decoded, ok := decodeExtendedValue(paramValue); ok {
				extended[base] = decoded
			}
			continue
		}
		if _, dup := params[name]; !dup {
			params[name] = paramValue
		}
	}
	for name, decoded := range extended {
		params[name] = decoded
	}
	return v, params
}

// nextParam reads one "name=value" or a bare word from s.
func nextParam(s string) (name, value string, hasValue bool, rest string) {
	end := strings.IndexAny(s, "=; \t")
	if end < 0 {
		return strings.ToLower(s), "", false, ""
	}
	name = strings.ToLower(s[:end])
	rest = strings.TrimLeft(s[end:], " \t")
	if !strings.HasPrefix(rest, "=") {
		return name, "", false, rest
	}
	rest = strings.TrimLeft(rest[1:], " \t")
	if strings.HasPrefix(rest, `"`) {
		value, rest = readQuotedString(rest[1:])
		return name, value, true, rest
	}
	end = strings.IndexByte(rest, ';')
	if end < 0 {
		end = len(rest)
	}
	return name, strings.TrimSpace(rest[:end]), true, rest[end:]
}

// readQuotedString reads up to the closing quote, undoing backslash escapes.
// An unterminated string runs to the end.
func readQuotedString(s string) (value, rest string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return b.String(), s[i+1:]
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// decodeExtendedValue decodes an RFC 2231 §4 value: charset'language'%XX.
func decodeExtendedValue(value string) (string, bool) {
	parts := strings.SplitN(value, "'", 3)
	if len(parts) != 3 {
		return "", false
	}
	raw := make([]byte, 0, len(parts[2]))
	s := parts[2]
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			raw = append(raw, hexValue(s[i+1])<<4|hexValue(s[i+2]))
			i += 2
			continue
		}
		raw = append(raw, s[i])
	}
	return decodeCharset(parts[0], raw), true
}

// isMediaTypeChar reports whether r may appear in a media type: token
// characters (RFC 2045 §5.1) and the "/" between type and subtype.
func isMediaTypeChar(r rune) bool {
	if r > unicode.MaxASCII || r <= ' ' {
		return false
	}
	return !strings.ContainsRune(`()<>@,;:\"[]?=`, r)
}
