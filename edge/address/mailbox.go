package address

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Mailbox is an address as an SMTP path writes it, before normalisation:
// the local part with its quoting removed and the domain as written.
// Normalise turns it into an inbox Address.
type Mailbox struct {
	// Local is the local part without quotes or backslash escapes, so
	// that "first last"@example.org has the local part first last.
	Local string
	// Domain is a host name or an address literal in brackets; it is
	// empty only for the <Postmaster> of ParseForwardPath.
	Domain string
}

// String writes the mailbox in its canonical form, with the local part
// quoted when it is not a dot-string (RFC 5321 §4.1.2).
func (m Mailbox) String() string { return formatLocal(m.Local) + "@" + m.Domain }

// formatLocal writes a local part as RFC 5321 §4.1.2 wants it: as is when
// it is a dot-string, otherwise as a quoted string with '"' and '\'
// escaped.
func formatLocal(local string) string {
	if isDotString(local) {
		return local
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := range len(local) {
		if local[i] == '"' || local[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(local[i])
	}
	b.WriteByte('"')
	return b.String()
}

// ParseMailbox parses local@domain where the local part is a dot-string
// or a quoted string (RFC 5321 §4.1.2, with the UTF-8 of RFC 6531) and the
// domain is a host name or an address literal. One trailing dot of the
// host name is accepted.
func ParseMailbox(s string) (Mailbox, error) {
	sc := scanner{s: s}
	m, err := sc.mailbox()
	if err == nil && !sc.done() {
		err = fmt.Errorf("unexpected %q after the domain", sc.rest())
	}
	if err != nil {
		return Mailbox{}, fmt.Errorf("%w %q: %w", ErrSyntax, s, err)
	}
	return m, nil
}

// ParseForwardPath parses the argument of RCPT TO: a mailbox in angle
// brackets (RFC 5321 §4.1.2), or the bare "<Postmaster>" of §4.1.1.3,
// which returns a Mailbox with an empty domain. A source route
// ("<@relay.example:user@example.org>") is checked and dropped, as §C
// allows. It returns the text after the path, where ESMTP parameters
// follow. Brackets may be left out, as some old clients do.
func ParseForwardPath(s string) (m Mailbox, rest string, err error) {
	const postmaster = "<postmaster>"
	if hasPrefixFold(s, postmaster) && (len(s) == len(postmaster) || s[len(postmaster)] == ' ') {
		return Mailbox{Local: s[1 : len(postmaster)-1]}, s[len(postmaster):], nil
	}
	sc := scanner{s: s}
	m, err = sc.path()
	if err != nil {
		return Mailbox{}, "", fmt.Errorf("%w %q: %w", ErrSyntax, s, err)
	}
	return m, sc.rest(), nil
}

// ParseReversePath parses the argument of MAIL FROM like ParseForwardPath,
// except that "<>" is the null path of bounces, returned as the zero
// Mailbox, and there is no <Postmaster> form.
func ParseReversePath(s string) (m Mailbox, rest string, err error) {
	if strings.HasPrefix(s, "<>") {
		return Mailbox{}, s[2:], nil
	}
	sc := scanner{s: s}
	m, err = sc.path()
	if err != nil {
		return Mailbox{}, "", fmt.Errorf("%w %q: %w", ErrSyntax, s, err)
	}
	return m, sc.rest(), nil
}

// scanner reads the grammar of RFC 5321 §4.1.2 from a string.
type scanner struct {
	s string
	i int
}

func (sc *scanner) done() bool   { return sc.i >= len(sc.s) }
func (sc *scanner) rest() string { return sc.s[sc.i:] }

func (sc *scanner) peek() byte {
	if sc.done() {
		return 0
	}
	return sc.s[sc.i]
}

func (sc *scanner) accept(c byte) bool {
	if sc.peek() != c || sc.done() {
		return false
	}
	sc.i++
	return true
}

// path reads [ "<" ] [ A-d-l ":" ] Mailbox [ ">" ] and requires the text
// after it to be empty or to start with a space.
func (sc *scanner) path() (Mailbox, error) {
	bracket := sc.accept('<')
	if sc.peek() == '@' {
		if err := sc.sourceRoute(); err != nil {
			return Mailbox{}, err
		}
	}
	m, err := sc.mailbox()
	if err != nil {
		return Mailbox{}, err
	}
	if bracket && !sc.accept('>') {
		return Mailbox{}, fmt.Errorf("want '>' after the domain")
	}
	if !sc.done() && sc.peek() != ' ' {
		return Mailbox{}, fmt.Errorf("unexpected %q after the path", sc.rest())
	}
	return m, nil
}

// sourceRoute reads A-d-l ":", that is "@" Domain *( "," "@" Domain ) ":".
func (sc *scanner) sourceRoute() error {
	for {
		if !sc.accept('@') {
			return fmt.Errorf("want '@' before each domain of the source route")
		}
		if _, err := sc.domain(); err != nil {
			return fmt.Errorf("source route: %w", err)
		}
		if sc.accept(':') {
			return nil
		}
		if !sc.accept(',') {
			return fmt.Errorf("want ':' after the source route")
		}
	}
}

func (sc *scanner) mailbox() (Mailbox, error) {
	local, err := sc.localPart()
	if err != nil {
		return Mailbox{}, err
	}
	if !sc.accept('@') {
		return Mailbox{}, fmt.Errorf("want local@domain")
	}
	domain, err := sc.domain()
	if err != nil {
		return Mailbox{}, err
	}
	return Mailbox{Local: local, Domain: domain}, nil
}

func (sc *scanner) localPart() (string, error) {
	if sc.peek() == '"' {
		return sc.quotedString()
	}
	start := sc.i
	for !sc.done() && (isAtext(sc.peek()) || sc.peek() == '.') {
		sc.i++
	}
	local := sc.s[start:sc.i]
	if !isDotString(local) {
		return "", fmt.Errorf("local part %q is neither a dot-string nor a quoted string", local)
	}
	return local, nil
}

// quotedString reads a quoted string and returns its content without the
// quotes and escapes: qtextSMTP is printable ASCII and space except '"'
// and '\', plus UTF-8, and quoted-pairSMTP is '\' with one printable
// ASCII character or space.
func (sc *scanner) quotedString() (string, error) {
	sc.i++
	var b strings.Builder
	for {
		if sc.done() {
			return "", fmt.Errorf("quoted local part lacks its closing '\"'")
		}
		c := sc.s[sc.i]
		sc.i++
		switch {
		case c == '"':
			if !utf8.ValidString(b.String()) {
				return "", fmt.Errorf("quoted local part is not valid UTF-8")
			}
			return b.String(), nil
		case c == '\\':
			if sc.done() || sc.s[sc.i] < ' ' || sc.s[sc.i] > '~' {
				return "", fmt.Errorf("want a printable character after '\\' in the quoted local part")
			}
			b.WriteByte(sc.s[sc.i])
			sc.i++
		case c < ' ' || c == 0x7f:
			return "", fmt.Errorf("control character %#x in the quoted local part", c)
		default:
			b.WriteByte(c)
		}
	}
}

// domain reads a host name of letter-digit-hyphen labels (with UTF-8
// U-labels, RFC 6531) or an address literal in brackets.
func (sc *scanner) domain() (string, error) {
	if sc.peek() == '[' {
		return sc.addressLiteral()
	}
	start := sc.i
	for !sc.done() && isDomainByte(sc.peek()) {
		sc.i++
	}
	domain := sc.s[start:sc.i]
	if !isHostName(strings.TrimSuffix(domain, ".")) {
		return "", fmt.Errorf("domain %q is not a host name", domain)
	}
	return domain, nil
}

func (sc *scanner) addressLiteral() (string, error) {
	end := strings.IndexByte(sc.s[sc.i:], ']')
	if end < 2 {
		return "", fmt.Errorf("want an address literal such as [192.0.2.1]")
	}
	literal := sc.s[sc.i : sc.i+end+1]
	for i := 1; i < len(literal)-1; i++ {
		if c := literal[i]; c <= ' ' || c > '~' || c == '[' || c == '\\' {
			return "", fmt.Errorf("address literal %q contains %q", literal, c)
		}
	}
	sc.i += end + 1
	return literal, nil
}

// isAtext reports whether c may appear in an atom: RFC 5322 atext, plus
// every byte of a UTF-8 sequence (RFC 6531 §3.3).
func isAtext(c byte) bool {
	switch {
	case c >= 0x80:
		return true
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// isDotString reports whether s is Atom *("." Atom) in valid UTF-8.
func isDotString(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for atom := range strings.SplitSeq(s, ".") {
		if atom == "" {
			return false
		}
		for i := range len(atom) {
			if !isAtext(atom[i]) {
				return false
			}
		}
	}
	return true
}

func isDomainByte(c byte) bool {
	return c >= 0x80 || c == '-' || c == '.' ||
		('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// isHostName reports whether s is labels of letters, digits, hyphens and
// UTF-8, separated by dots, none empty and none starting or ending with a
// hyphen.
func isHostName(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := range len(label) {
			if !isDomainByte(label[i]) || label[i] == '.' {
				return false
			}
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
