// Package address parses, normalises and generates inbox addresses.
//
// An inbox address is local@domain with the domain in lower case and the
// local part in lower case after Unicode NFC, so that any spelling a sender
// uses reaches the same inbox. A "+tag" suffix of the local part is
// sub-addressing and delivers to the inbox without it. Local parts follow
// RFC 5321 §4.1.2 with the UTF-8 of RFC 6531: a dot-string, or a quoted
// string such as "first last", which String writes quoted again.
//
// Generated local parts carry the owner edge's two-character code hidden
// among random characters, so any edge can tell which edge owns an address:
//
//	random:  16 characters, 14 random, the code at two positions chosen by
//	         the first two random characters
//	custom:  the user's prefix, ".", then a 10-character tag built the same
//	         way (8 random characters and the code)
package address

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Alphabet is the character set of generated local parts and owner codes:
// lower-case letters and digits without the look-alikes l, o, 0 and 1.
const Alphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// Lengths of generated parts.
const (
	RandomLength    = 16
	TagLength       = 10
	MaxPrefixLength = 32
)

// Errors returned by this package.
var (
	// ErrSyntax means the text is not an address of the form local@domain.
	ErrSyntax = errors.New("invalid address")
	// ErrPrefix means a custom prefix has characters or a length that is not allowed.
	ErrPrefix = errors.New("invalid prefix")
)

// Address is a normalised inbox address.
type Address struct {
	// Local is the local part without quoting, as Mailbox.Local.
	Local  string
	Domain string
}

// String returns local@domain, with the local part quoted when it is not
// a dot-string.
func (a Address) String() string { return formatLocal(a.Local) + "@" + a.Domain }

// Parse parses local@domain with ParseMailbox and normalises it. Tag
// returns the "+tag" suffix that was removed.
func Parse(s string) (addr Address, tag string, err error) {
	m, err := ParseMailbox(s)
	if err != nil {
		return Address{}, "", err
	}
	addr, tag = Normalise(m)
	return addr, tag, nil
}

// Normalise returns the inbox address of m: the domain in lower case
// without a trailing dot, the local part in lower case and Unicode NFC,
// and a "+tag" suffix removed and returned. A local part that starts with
// "+" keeps it, as there would be nothing left.
func Normalise(m Mailbox) (addr Address, tag string) {
	local := norm.NFC.String(strings.ToLower(m.Local))
	if base, t, found := strings.Cut(local, "+"); found && base != "" {
		local, tag = base, t
	}
	domain := norm.NFC.String(strings.TrimSuffix(strings.ToLower(m.Domain), "."))
	return Address{Local: local, Domain: domain}, tag
}

// NewRandom returns a random local part that carries the owner code.
func NewRandom(ownerCode string) (string, error) {
	return hideCode(RandomLength, ownerCode)
}

// NewCustom returns prefix.tag, where the tag carries the owner code. The
// prefix is lower-cased and must be 1 to MaxPrefixLength characters of a-z,
// 0-9, ".", "_" and "-", neither starting nor ending with a dot.
func NewCustom(prefix, ownerCode string) (string, error) {
	prefix = strings.ToLower(prefix)
	if err := CheckPrefix(prefix); err != nil {
		return "", err
	}
	tag, err := hideCode(TagLength, ownerCode)
	if err != nil {
		return "", err
	}
	return prefix + "." + tag, nil
}

// CheckPrefix reports whether prefix is allowed as a custom local-part prefix.
func CheckPrefix(prefix string) error {
	const allowed = "want 1 to 32 characters of a-z, 0-9, '.', '_' and '-', not starting or ending with '.'"
	if len(prefix) == 0 || len(prefix) > MaxPrefixLength {
		return fmt.Errorf("%w %q: %s", ErrPrefix, prefix, allowed)
	}
	for _, r := range prefix {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '.' || r == '_' || r == '-'
		if !ok {
			return fmt.Errorf("%w %q: %s", ErrPrefix, prefix, allowed)
		}
	}
	if prefix[0] == '.' || prefix[len(prefix)-1] == '.' || strings.Contains(prefix, "..") {
		return fmt.Errorf("%w %q: %s", ErrPrefix, prefix, allowed)
	}
	return nil
}

// OwnerCode extracts the owner code from a generated local part. It returns
// false for local parts this package did not generate.
func OwnerCode(local string) (string, bool) {
	if len(local) == RandomLength && inAlphabet(local) {
		return findCode(local)
	}
	dot := strings.LastIndexByte(local, '.')
	if dot > 0 && len(local)-dot-1 == TagLength && inAlphabet(local[dot+1:]) {
		return findCode(local[dot+1:])
	}
	return "", false
}

// hideCode builds n characters: random ones with the two code characters
// at positions that the first two random characters select.
func hideCode(n int, code string) (string, error) {
	if len(code) != 2 || !inAlphabet(code) {
		return "", fmt.Errorf("invalid owner code %q: want two characters of %s", code, Alphabet)
	}
	out := make([]byte, 0, n)
	random := make([]byte, n)
	if _, err := rand.Read(random); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	for _, b := range random {
		out = append(out, Alphabet[int(b)%len(Alphabet)])
	}
	first, second := codePositions(out, n)
	out[first], out[second] = code[0], code[1]
	return string(out), nil
}

// codePositions derives two distinct positions from the characters at 0
// and 1, which never hold code characters themselves.
func codePositions(s []byte, n int) (int, int) {
	span := n - 2
	first := 2 + strings.IndexByte(Alphabet, s[0])%span
	second := 2 + (first-2+1+strings.IndexByte(Alphabet, s[1])%(span-1))%span
	return first, second
}

func findCode(s string) (string, bool) {
	first, second := codePositions([]byte(s), len(s))
	return string([]byte{s[first], s[second]}), true
}

func inAlphabet(s string) bool {
	for i := range len(s) {
		if strings.IndexByte(Alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}
