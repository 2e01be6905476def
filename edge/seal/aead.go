package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
)

// ErrDecrypt is returned when a ciphertext fails to open: the key is wrong
// or the data was changed.
var ErrDecrypt = errors.New("decryption failed: wrong key or tampered data")

// keySize is the size of every symmetric key in this package (AES-256).
const keySize = 32

// deriveKey derives a 32-byte key with HKDF-SHA256 (RFC 5869).
func deriveKey(secret, salt []byte, label string) ([]byte, error) {
	key, err := hkdf.Key(sha256.New, secret, salt, label, keySize)
	if err != nil {
		return nil, fmt.Errorf("derive key %q: %w", label, err)
	}
	return key, nil
}

// newRandomNonceGCM returns AES-256-GCM that prepends a random 96-bit nonce
// to each ciphertext. It suits keys that seal only a handful of messages.
func newRandomNonceGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new aes cipher: %w", err)
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("new gcm: %w", err)
	}
	return aead, nil
}

// sealWithKey seals plaintext under key with a random nonce.
func sealWithKey(key, plaintext, aad []byte) ([]byte, error) {
	aead, err := newRandomNonceGCM(key)
	if err != nil {
		return nil, err
	}
	return aead.Seal(nil, nil, plaintext, aad), nil
}

// openWithKey opens what sealWithKey sealed. It returns ErrDecrypt when the
// key, the additional data or the ciphertext do not match.
func openWithKey(key, sealed, aad []byte) ([]byte, error) {
	aead, err := newRandomNonceGCM(key)
	if err != nil {
		return nil, err
	}
	plaintext, err := aead.Open(nil, nil, sealed, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plaintext, nil
}

// joinLabel returns label followed by a zero byte and each part. The zero
// byte keeps a label from being read as the prefix of another one.
func joinLabel(label string, parts ...[]byte) []byte {
	out := append([]byte(label), 0)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
