package seal

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// OwnerCodeAlphabet lists the characters of an owner code. It leaves out
// l, o, 0 and 1, which are easy to misread.
const OwnerCodeAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// OwnerCodeLength is the length of an owner code in characters.
const OwnerCodeLength = 2

// secretSize is the size of a token secret: 256 bits.
const secretSize = 32

// TokenLength is the length of a token's text form: the owner code and the
// unpadded base64url of the secret.
const TokenLength = OwnerCodeLength + 43

var (
	// ErrMalformedToken is returned by ParseToken for any text that is not a
	// well-formed token.
	ErrMalformedToken = errors.New("malformed token")
	// ErrInvalidOwnerCode is returned for an owner code that is not two
	// characters of OwnerCodeAlphabet.
	ErrInvalidOwnerCode = errors.New("invalid owner code")
)

// secretEncoding rejects non-zero padding bits, so every secret has exactly
// one text form.
var secretEncoding = base64.RawURLEncoding.Strict()

// Token is the bearer secret of one inbox. Its zero value is not a valid
// token. Token implements slog.LogValuer so that logging one shows only the
// owner code.
type Token struct {
	// OwnerCode is the code of the edge that owns the inbox.
	OwnerCode string
	secret    [secretSize]byte
}

// NewToken returns a token with a fresh secret from crypto/rand.
func NewToken(ownerCode string) (Token, error) {
	if err := CheckOwnerCode(ownerCode); err != nil {
		return Token{}, err
	}

	t := Token{OwnerCode: ownerCode}
	if _, err := rand.Read(t.secret[:]); err != nil {
		return Token{}, fmt.Errorf("new token: %w", err)
	}
	return t, nil
}

// ParseToken parses the text form of a token. It accepts only the exact
// output of Token.String and returns ErrMalformedToken for anything else.
func ParseToken(s string) (Token, error) {
	if len(s) != TokenLength {
		return Token{}, ErrMalformedToken
	}
	code := s[:OwnerCodeLength]
	if CheckOwnerCode(code) != nil {
		return Token{}, ErrMalformedToken
	}

	// The decoder skips CR and LF, so the length check below also rejects
	// text that contains them.
	secret, err := secretEncoding.DecodeString(s[OwnerCodeLength:])
	if err != nil || len(secret) != secretSize {
		return Token{}, ErrMalformedToken
	}

	t := Token{OwnerCode: code}
	copy(t.secret[:], secret)
	return t, nil
}

// String returns the text form of the token, which contains the secret.
func (t Token) String() string {
	return t.OwnerCode + secretEncoding.EncodeToString(t.secret[:])
}

// LogValue returns the owner code only, never the secret.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("owner_code", t.OwnerCode),
		slog.String("secret", "redacted"),
	)
}

// CheckOwnerCode returns ErrInvalidOwnerCode unless code is two characters
// of OwnerCodeAlphabet.
func CheckOwnerCode(code string) error {
	if len(code) != OwnerCodeLength {
		return fmt.Errorf("%w: %q has %d characters, want %d", ErrInvalidOwnerCode, code, len(code), OwnerCodeLength)
	}
	for _, c := range []byte(code) {
		if strings.IndexByte(OwnerCodeAlphabet, c) < 0 {
			return fmt.Errorf("%w: %q, want characters of %q", ErrInvalidOwnerCode, code, OwnerCodeAlphabet)
		}
	}
	return nil
}
