package seal

import (
	"crypto/hpke"
	"fmt"
)

// Labels of the keys derived from a token secret. The version lets a later
// scheme derive different keys from the same token.
const (
	privateKeyWrapLabel = "mayfly v1 inbox private key"
	addressSealLabel    = "mayfly v1 inbox address"
)

// The HPKE ciphersuite of every inbox: ML-KEM-768+X25519, HKDF-SHA256 and
// AES-256-GCM.
func suiteKEM() hpke.KEM   { return hpke.MLKEM768X25519() }
func suiteKDF() hpke.KDF   { return hpke.HKDFSHA256() }
func suiteAEAD() hpke.AEAD { return hpke.AES256GCM() }

// NewInboxKeyPair generates the HPKE key pair of a new inbox. It returns the
// serialized public key and the private key wrapped under a key derived
// from the token secret and the inbox id.
func NewInboxKeyPair(t Token, inboxID []byte) (publicKey, wrappedPrivateKey []byte, err error) {
	var none *KeyPool
	return none.NewInboxKeyPair(t, inboxID)
}

// NewInboxKeyPair is the package's NewInboxKeyPair with a key from the
// pool, when it has one.
func (p *KeyPool) NewInboxKeyPair(t Token, inboxID []byte) (publicKey, wrappedPrivateKey []byte, err error) {
	priv, err := p.take()
	if err != nil {
		return nil, nil, err
	}
	privBytes, err := priv.Bytes()
	if err != nil {
		return nil, nil, fmt.Errorf("serialize inbox private key: %w", err)
	}
	defer clear(privBytes)

	wrapped, err := sealForInbox(t, inboxID, privateKeyWrapLabel, privBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("wrap inbox private key: %w", err)
	}
	return priv.PublicKey().Bytes(), wrapped, nil
}

// UnwrapPrivateKey returns the inbox private key that NewInboxKeyPair
// wrapped. It returns an error wrapping ErrDecrypt for the wrong token or
// inbox id, or a changed ciphertext.
func UnwrapPrivateKey(t Token, inboxID, wrapped []byte) (hpke.PrivateKey, error) {
	privBytes, err := openForInbox(t, inboxID, privateKeyWrapLabel, wrapped)
	if err != nil {
		return nil, fmt.Errorf("unwrap inbox private key: %w", err)
	}
	defer clear(privBytes)

	priv, err := suiteKEM().NewPrivateKey(privBytes)
	if err != nil {
		return nil, fmt.Errorf("parse inbox private key: %w", err)
	}
	return priv, nil
}

// ParsePublicKey parses a public key that NewInboxKeyPair returned.
func ParsePublicKey(publicKey []byte) (hpke.PublicKey, error) {
	pub, err := suiteKEM().NewPublicKey(publicKey)
	if err != nil {
		return nil, fmt.Errorf("parse inbox public key: %w", err)
	}
	return pub, nil
}

// SealAddress seals an inbox address under a key derived from the token
// secret and the inbox id, so the server learns it only from a request that
// presents the token.
func SealAddress(t Token, inboxID []byte, address string) ([]byte, error) {
	sealed, err := sealForInbox(t, inboxID, addressSealLabel, []byte(address))
	if err != nil {
		return nil, fmt.Errorf("seal inbox address: %w", err)
	}
	return sealed, nil
}

// OpenAddress returns the address that SealAddress sealed, or an error
// wrapping ErrDecrypt.
func OpenAddress(t Token, inboxID, sealed []byte) (string, error) {
	address, err := openForInbox(t, inboxID, addressSealLabel, sealed)
	if err != nil {
		return "", fmt.Errorf("open inbox address: %w", err)
	}
	return string(address), nil
}

// sealForInbox seals plaintext with AES-256-GCM under
// HKDF-SHA256(secret, salt = inbox id, info = label). The additional data
// repeats label and inbox id, so a ciphertext moved to another inbox or
// field fails to open.
func sealForInbox(t Token, inboxID []byte, label string, plaintext []byte) ([]byte, error) {
	key, err := deriveKey(t.secret[:], inboxID, label)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return sealWithKey(key, plaintext, joinLabel(label, inboxID))
}

func openForInbox(t Token, inboxID []byte, label string, sealed []byte) ([]byte, error) {
	key, err := deriveKey(t.secret[:], inboxID, label)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return openWithKey(key, sealed, joinLabel(label, inboxID))
}
