package mime

import (
	"fmt"
	"io"
	stdmime "mime"
	netmail "net/mail"
	"strings"
	"time"
	"unicode"
)

// address is one mailbox of an address header, decoded for display.
type address struct {
	name string
	addr string
}

func (a address) String() string {
	switch {
	case a.name == "":
		return a.addr
	case a.addr == "":
		return a.name
	default:
		return a.name + " <" + a.addr + ">"
	}
}

// formatAddressList returns the display form of an address header, such as
// "Alice <alice@example.test>, bob@example.test".
func formatAddressList(value string) string {
	list := parseAddressList(value)
	if len(list) == 0 {
		return cleanHeaderText(decodeHeaderText(value))
	}
	items := make([]string, len(list))
	for i, a := range list {
		items[i] = a.String()
	}
	return strings.Join(items, ", ")
}

// firstAddress returns the first mailbox of an address header. A header
// that does not parse as an address list gives its decoded text as name.
func firstAddress(value string) address {
	list := parseAddressList(value)
	if len(list) == 0 {
		return address{name: cleanHeaderText(decodeHeaderText(value))}
	}
	return list[0]
}

// parseAddressList parses an address header with net/mail, whose word
// decoder converts the charsets of encoded-words in display names with
// decodeCharset. It returns nil when the value does not parse (the callers
// then show it as text). Encoded-words inside a quoted display name are
// decoded as well: RFC 2047 §5 forbids them there, but several mailers
// write them and net/mail leaves them as they are.
func parseAddressList(value string) []address {
	if strings.TrimSpace(value) == "" {
		return nil
	}
	parser := netmail.AddressParser{WordDecoder: &stdmime.WordDecoder{CharsetReader: charsetReader}}
	parsed, err := parser.ParseList(value)
	if err != nil {
		return nil
	}
	list := make([]address, 0, len(parsed))
	for _, a := range parsed {
		name := a.Name
		if strings.Contains(name, "=?") {
			name = decodeHeaderText(name)
		}
		list = append(list, address{
			name: cleanHeaderText(decodeUndeclared([]byte(name))),
			addr: cleanHeaderText(decodeUndeclared([]byte(a.Address))),
		})
	}
	return list
}

// cleanHeaderText replaces control characters, such as an encoded line feed,
// with spaces and trims the result, so a header value is one line of text.
func cleanHeaderText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// parseDate parses a Date header (RFC 5322 §3.3), falling back to a few
// layouts that senders use instead. It returns the zero time when nothing
// matches.
func parseDate(value string) time.Time {
	value = strings.TrimSpace(value)
	if value == "" {
		return time.Time{}
	}
	if t, err := netmail.ParseDate(value); err == nil {
		return t
	}

	layouts := []string{
		time.RFC3339,
		time.ANSIC,
		"Mon, 2 Jan 2006 15:04 -0700",
		"Mon, 2 Jan 2006 15:04:05 MST",
		"2006-01-02 15:04:05 -0700",
		"2006-01-02 15:04:05",
	}
	if i := strings.IndexByte(value, '('); i > 0 {
		value = strings.TrimSpace(value[:i])
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, value); err == nil {
			return t
		}
	}
	return time.Time{}
}

// charsetReader converts the text of an encoded-word for net/mail. It fails
// only when input does, because decodeCharset never fails.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(input)
	if err != nil {
		return nil, fmt.Errorf("read encoded-word: %w", err)
	}
	return strings.NewReader(decodeCharset(label, b)), nil
}
