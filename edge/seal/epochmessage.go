package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
)

const epochMessageLabel = "mayfly v1 epoch message"

// EpochPart names the part of a message that an EpochMessageKey seals. Each
// part has its own nonce space.
type EpochPart uint32

// The parts of a message under the epoch layer.
const (
	EpochPartChunk EpochPart = iota // a body chunk, numbered by its index
	EpochPartEnc                    // the HPKE encapsulated key, index 0
	EpochPartMeta                   // the sealed metadata, index 0
)

// EpochOverhead is how many bytes the epoch layer adds to a part: the
// AES-GCM tag. The nonce is not stored, because it is the part and index.
const EpochOverhead = 16

// EpochMessageKey seals the parts of one stored message under a key that
// HKDF-SHA256 derives from the epoch key, with the message id as salt and
// the inbox id in the info. One derivation per message and one AES-GCM
// pass per part keep the layer cheap on the delivery path.
//
// The nonce is the part and the index, so the caller must never seal two
// different plaintexts as the same part and index of a message in one
// epoch. The store meets this because a stored message's parts never
// change: re-sealing one seals the same bytes again. It is safe for
// concurrent use.
type EpochMessageKey struct {
	aead cipher.AEAD
}

// MessageKey returns the epoch layer of one message, or
// ErrEpochKeyNotFound.
func (k *EpochKeys) MessageKey(epoch int64, inboxID, messageID []byte) (*EpochMessageKey, error) {
	key, err := k.key(epoch)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	derived, err := deriveKey(key, messageID, string(joinLabel(epochMessageLabel, inboxID)))
	if err != nil {
		return nil, err
	}
	defer clear(derived)
	block, err := aes.NewCipher(derived)
	if err != nil {
		return nil, fmt.Errorf("new aes cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("new gcm: %w", err)
	}
	return &EpochMessageKey{aead: aead}, nil
}

// AppendSeal seals plaintext as the part and index, appending the result
// to dst. dst and plaintext must not overlap.
func (m *EpochMessageKey) AppendSeal(dst []byte, part EpochPart, index uint32, plaintext []byte) []byte {
	nonce := epochNonce(part, index)
	return m.aead.Seal(dst, nonce[:], plaintext, nil)
}

// AppendOpen opens what AppendSeal sealed as the same part and index,
// appending the plaintext to dst, or returns ErrDecrypt.
func (m *EpochMessageKey) AppendOpen(dst []byte, part EpochPart, index uint32, sealed []byte) ([]byte, error) {
	nonce := epochNonce(part, index)
	out, err := m.aead.Open(dst, nonce[:], sealed, nil)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// epochNonce is the part in the first four bytes and the index in the last
// four, big-endian.
func epochNonce(part EpochPart, index uint32) [12]byte {
	var nonce [12]byte
	binary.BigEndian.PutUint32(nonce[:4], uint32(part))
	binary.BigEndian.PutUint32(nonce[8:], index)
	return nonce
}
