package seal

import (
	"bytes"
	"errors"
	"testing"
)

func TestInboxKeyPair_UnwrapWithToken(t *testing.T) {
	tok := mustToken(t)
	id := []byte("inbox-id-16bytes")
	pub, wrapped, err := NewInboxKeyPair(tok, id)
	if err != nil {
		t.Fatalf("NewInboxKeyPair: %v", err)
	}

	priv, err := UnwrapPrivateKey(tok, id, wrapped)
	if err != nil {
		t.Fatalf("UnwrapPrivateKey: %v", err)
	}
	if !bytes.Equal(priv.PublicKey().Bytes(), pub) {
		t.Errorf("unwrapped private key does not match the public key")
	}
	if _, err := ParsePublicKey(pub); err != nil {
		t.Errorf("ParsePublicKey: %v", err)
	}
}

func TestUnwrapPrivateKey_Rejects(t *testing.T) {
	tok := mustToken(t)
	id := []byte("inbox-id-16bytes")
	_, wrapped, err := NewInboxKeyPair(tok, id)
	if err != nil {
		t.Fatalf("NewInboxKeyPair: %v", err)
	}
	flipped := bytes.Clone(wrapped)
	flipped[len(flipped)/2] ^= 1

	tests := []struct {
		name    string
		token   Token
		inboxID []byte
		wrapped []byte
	}{
		{"other token", mustToken(t), id, wrapped},
		{"other inbox id", tok, []byte("other-id-16bytes"), wrapped},
		{"flipped byte", tok, id, flipped},
		{"truncated", tok, id, wrapped[:10]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := UnwrapPrivateKey(tt.token, tt.inboxID, tt.wrapped)
			if !errors.Is(err, ErrDecrypt) {
				t.Errorf("got %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestSealAddress_RoundTrip(t *testing.T) {
	tok := mustToken(t)
	id := []byte("inbox-id-16bytes")
	const address = "alice.k3x9q@mayfly.test"
	sealed, err := SealAddress(tok, id, address)
	if err != nil {
		t.Fatalf("SealAddress: %v", err)
	}
	if bytes.Contains(sealed, []byte("alice")) {
		t.Errorf("sealed address contains the plaintext")
	}

	got, err := OpenAddress(tok, id, sealed)
	if err != nil {
		t.Fatalf("OpenAddress: %v", err)
	}
	if got != address {
		t.Errorf("got %q, want %q", got, address)
	}

	if _, err := OpenAddress(mustToken(t), id, sealed); !errors.Is(err, ErrDecrypt) {
		t.Errorf("other token: got %v, want ErrDecrypt", err)
	}
}

func TestSealAddress_NotInterchangeableWithPrivateKey(t *testing.T) {
	tok := mustToken(t)
	id := []byte("inbox-id-16bytes")
	_, wrapped, err := NewInboxKeyPair(tok, id)
	if err != nil {
		t.Fatalf("NewInboxKeyPair: %v", err)
	}
	if _, err := OpenAddress(tok, id, wrapped); !errors.Is(err, ErrDecrypt) {
		t.Errorf("got %v, want ErrDecrypt", err)
	}
}
