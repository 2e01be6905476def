package seal

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestToken_RoundTrip(t *testing.T) {
	tok, err := NewToken("k3")
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}
	s := tok.String()
	if len(s) != TokenLength {
		t.Errorf("got length %d, want %d", len(s), TokenLength)
	}
	if !strings.HasPrefix(s, "k3") {
		t.Errorf("got %q, want prefix k3", s)
	}

	parsed, err := ParseToken(s)
	if err != nil {
		t.Fatalf("ParseToken(%q): %v", s, err)
	}
	if parsed != tok {
		t.Errorf("parsed token differs from the original")
	}
	if parsed.OwnerCode != "k3" {
		t.Errorf("got owner code %q, want k3", parsed.OwnerCode)
	}
}

func TestNewToken_FreshSecrets(t *testing.T) {
	a, err := NewToken("ab")
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}
	b, err := NewToken("ab")
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}
	if a == b {
		t.Errorf("two new tokens are equal")
	}
}

func TestNewToken_InvalidOwnerCode(t *testing.T) {
	for _, code := range []string{"", "a", "abc", "al", "o2", "A2", "-a"} {
		t.Run(code, func(t *testing.T) {
			_, err := NewToken(code)
			if !errors.Is(err, ErrInvalidOwnerCode) {
				t.Errorf("got %v, want ErrInvalidOwnerCode", err)
			}
		})
	}
}

func TestParseToken_Malformed(t *testing.T) {
	valid, err := NewToken("zz")
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}
	s := valid.String()
	secretPart := s[OwnerCodeLength:]

	tests := []struct {
		name  string
		token string
	}{
		{"empty", ""},
		{"short", s[:TokenLength-1]},
		{"long", s + "A"},
		{"owner code outside alphabet", "l1" + secretPart},
		{"upper-case owner code", "ZZ" + secretPart},
		{"standard base64 plus", "zz+" + secretPart[1:]},
		{"standard base64 slash", "zz/" + secretPart[1:]},
		{"padding", "zz" + secretPart[:42] + "="},
		{"line feed", "zz" + secretPart[:42] + "\n"},
		{"carriage return inside", "zz" + secretPart[:20] + "\r" + secretPart[21:]},
		{"space", " " + s[1:]},
		{"non-canonical last character", "zz" + secretPart[:42] + nonCanonicalLast(secretPart[42])},
		{"bearer prefix", "Bearer " + s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseToken(tt.token)
			if !errors.Is(err, ErrMalformedToken) {
				t.Errorf("ParseToken(%q): got %v, want ErrMalformedToken", tt.token, err)
			}
		})
	}
}

// nonCanonicalLast returns a base64url character that decodes to the same
// byte as c but with non-zero padding bits. The 43rd character of a 32-byte
// secret carries 4 data bits and 2 padding bits.
func nonCanonicalLast(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return string(alphabet[strings.IndexByte(alphabet, c)|1])
}

func TestToken_LogValueRedacts(t *testing.T) {
	tok, err := NewToken("ab")
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("test", "token", tok)

	out := buf.String()
	if strings.Contains(out, tok.String()[OwnerCodeLength:]) {
		t.Errorf("log line contains the secret: %s", out)
	}
	if !strings.Contains(out, "owner_code=ab") {
		t.Errorf("got %q, want owner_code=ab", out)
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add("abAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := ParseToken(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedToken) {
				t.Fatalf("ParseToken(%q): got %v, want ErrMalformedToken", s, err)
			}
			return
		}
		if got := tok.String(); got != s {
			t.Fatalf("round trip: got %q, want %q", got, s)
		}
		if err := CheckOwnerCode(tok.OwnerCode); err != nil {
			t.Fatalf("parsed owner code: %v", err)
		}
	})
}
