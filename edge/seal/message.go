package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hpke"
	"encoding/binary"
	"errors"
	"fmt"
)

// ChunkSize is the default size of a body chunk's plaintext.
const ChunkSize = 64 << 10

// ChunkOverhead is how many bytes sealing adds to a chunk: the AES-GCM tag.
// The nonce is not stored, because it is the chunk's index.
const ChunkOverhead = 16

// Labels of the message scheme. HPKE's info carries messageInfoLabel and the
// message id, so an encapsulation opens only for the message it was made for.
const (
	messageInfoLabel   = "mayfly v1 message"
	dataKeyExportLabel = "mayfly v1 message data key"
	metaKeyLabel       = "mayfly v1 message metadata"
	bodyKeyLabel       = "mayfly v1 message body"
)

// ErrChunkAfterLast is returned when a chunk is sealed after the last one.
var ErrChunkAfterLast = errors.New("chunk sealed after the last chunk")

// maxChunks is the number of chunks a message can have: the index is 32 bits.
const maxChunks = 1 << 32

// messageKeys are the two AES-256-GCM keys of one message.
type messageKeys struct {
	messageID []byte
	meta      cipher.AEAD // random nonces: the metadata is sealed once or a few times
	body      cipher.AEAD // nonces from the chunk index
}

// MessageSealer seals the metadata and the body chunks of one message. It
// numbers chunks itself, so a chunk nonce is never used twice. It is not
// safe for concurrent use.
type MessageSealer struct {
	keys messageKeys
	next uint64
	done bool
}

// NewMessageSealer makes the message's one HPKE encapsulation to the inbox
// public key. It returns the encapsulated key, which the caller stores with
// the message, and a sealer for its parts.
func NewMessageSealer(pub hpke.PublicKey, messageID []byte) ([]byte, *MessageSealer, error) {
	enc, sender, err := hpke.NewSender(pub, suiteKDF(), suiteAEAD(), joinLabel(messageInfoLabel, messageID))
	if err != nil {
		return nil, nil, fmt.Errorf("encapsulate message key: %w", err)
	}
	dataKey, err := sender.Export(dataKeyExportLabel, keySize)
	if err != nil {
		return nil, nil, fmt.Errorf("export message data key: %w", err)
	}
	keys, err := newMessageKeys(dataKey, messageID)
	if err != nil {
		return nil, nil, err
	}
	return enc, &MessageSealer{keys: keys}, nil
}

// SealMeta seals the listing metadata of the message.
func (s *MessageSealer) SealMeta(meta []byte) []byte {
	return s.keys.meta.Seal(nil, nil, meta, s.keys.metaAAD())
}

// SealChunk seals the next body chunk, which is not the last.
func (s *MessageSealer) SealChunk(data []byte) ([]byte, error) {
	return s.sealChunk(nil, data, false)
}

// SealLastChunk seals the last body chunk. An empty body is one empty last
// chunk.
func (s *MessageSealer) SealLastChunk(data []byte) ([]byte, error) {
	return s.sealChunk(nil, data, true)
}

// AppendChunk is SealChunk appending the sealed chunk to dst, so that a
// caller streaming a body can reuse one buffer. dst and data must not
// overlap.
func (s *MessageSealer) AppendChunk(dst, data []byte) ([]byte, error) {
	return s.sealChunk(dst, data, false)
}

// AppendLastChunk is SealLastChunk appending the sealed chunk to dst. dst
// and data must not overlap.
func (s *MessageSealer) AppendLastChunk(dst, data []byte) ([]byte, error) {
	return s.sealChunk(dst, data, true)
}

// SealBody splits body into chunks of chunkSize bytes and seals them all.
// An empty body gives one chunk.
func (s *MessageSealer) SealBody(body []byte, chunkSize int) ([][]byte, error) {
	if chunkSize <= 0 {
		return nil, fmt.Errorf("seal body: chunk size %d, want more than 0", chunkSize)
	}
	chunks := make([][]byte, 0, len(body)/chunkSize+1)
	for len(body) > chunkSize {
		c, err := s.SealChunk(body[:chunkSize])
		if err != nil {
			return nil, err
		}
		chunks = append(chunks, c)
		body = body[chunkSize:]
	}
	c, err := s.SealLastChunk(body)
	if err != nil {
		return nil, err
	}
	return append(chunks, c), nil
}

func (s *MessageSealer) sealChunk(dst, data []byte, last bool) ([]byte, error) {
	if s.done || s.next >= maxChunks {
		return nil, ErrChunkAfterLast
	}
	index := uint32(s.next)
	s.next++
	s.done = last
	return s.keys.body.Seal(dst, chunkNonce(index), data, s.keys.chunkAAD(index, last)), nil
}

// MessageOpener opens the metadata and body chunks of one message. It is
// safe for concurrent use.
type MessageOpener struct {
	keys messageKeys
}

// OpenMessage decapsulates the message's HPKE key with the inbox private
// key. A wrong key does not fail here, because HPKE decapsulation with
// ML-KEM does not authenticate: OpenMeta and OpenChunk fail instead.
func OpenMessage(priv hpke.PrivateKey, enc, messageID []byte) (*MessageOpener, error) {
	recipient, err := hpke.NewRecipient(enc, priv, suiteKDF(), suiteAEAD(), joinLabel(messageInfoLabel, messageID))
	if err != nil {
		return nil, fmt.Errorf("decapsulate message key: %w", err)
	}
	dataKey, err := recipient.Export(dataKeyExportLabel, keySize)
	if err != nil {
		return nil, fmt.Errorf("export message data key: %w", err)
	}
	keys, err := newMessageKeys(dataKey, messageID)
	if err != nil {
		return nil, err
	}
	return &MessageOpener{keys: keys}, nil
}

// OpenMeta opens what MessageSealer.SealMeta sealed, or returns ErrDecrypt.
func (o *MessageOpener) OpenMeta(sealed []byte) ([]byte, error) {
	meta, err := o.keys.meta.Open(nil, nil, sealed, o.keys.metaAAD())
	if err != nil {
		return nil, ErrDecrypt
	}
	return meta, nil
}

// OpenChunk opens the chunk at index, which must not be the last, or returns
// ErrDecrypt.
func (o *MessageOpener) OpenChunk(index uint32, sealed []byte) ([]byte, error) {
	return o.openChunk(nil, index, sealed, false)
}

// OpenLastChunk opens the chunk at index, which must be the last, or returns
// ErrDecrypt. Opening the last chunk this way is what detects truncation.
func (o *MessageOpener) OpenLastChunk(index uint32, sealed []byte) ([]byte, error) {
	return o.openChunk(nil, index, sealed, true)
}

// AppendOpenChunk is OpenChunk appending the plaintext to dst, so that a
// caller streaming a body can reuse one buffer. dst and sealed must not
// overlap.
func (o *MessageOpener) AppendOpenChunk(dst []byte, index uint32, sealed []byte) ([]byte, error) {
	return o.openChunk(dst, index, sealed, false)
}

// AppendOpenLastChunk is OpenLastChunk appending the plaintext to dst. dst
// and sealed must not overlap.
func (o *MessageOpener) AppendOpenLastChunk(dst []byte, index uint32, sealed []byte) ([]byte, error) {
	return o.openChunk(dst, index, sealed, true)
}

func (o *MessageOpener) openChunk(dst []byte, index uint32, sealed []byte, last bool) ([]byte, error) {
	data, err := o.keys.body.Open(dst, chunkNonce(index), sealed, o.keys.chunkAAD(index, last))
	if err != nil {
		return nil, ErrDecrypt
	}
	return data, nil
}

// newMessageKeys derives the metadata and body keys from the data key.
func newMessageKeys(dataKey, messageID []byte) (messageKeys, error) {
	defer clear(dataKey)

	metaKey, err := deriveKey(dataKey, messageID, metaKeyLabel)
	if err != nil {
		return messageKeys{}, err
	}
	meta, err := newRandomNonceGCM(metaKey)
	if err != nil {
		return messageKeys{}, err
	}

	bodyKey, err := deriveKey(dataKey, messageID, bodyKeyLabel)
	if err != nil {
		return messageKeys{}, err
	}
	block, err := aes.NewCipher(bodyKey)
	if err != nil {
		return messageKeys{}, fmt.Errorf("new aes cipher: %w", err)
	}
	body, err := cipher.NewGCM(block)
	if err != nil {
		return messageKeys{}, fmt.Errorf("new gcm: %w", err)
	}

	id := append([]byte(nil), messageID...)
	return messageKeys{messageID: id, meta: meta, body: body}, nil
}

func (k messageKeys) metaAAD() []byte {
	return joinLabel(metaKeyLabel, k.messageID)
}

// chunkAAD binds the message id, the chunk index and the last-chunk flag.
func (k messageKeys) chunkAAD(index uint32, last bool) []byte {
	var tail [5]byte
	binary.BigEndian.PutUint32(tail[:4], index)
	if last {
		tail[4] = 1
	}
	return joinLabel(bodyKeyLabel, k.messageID, tail[:])
}

// chunkNonce is the 96-bit GCM nonce of a chunk: its index, big-endian, in
// the last four bytes. The body key is unique to the message, so the index
// alone makes each nonce unique under that key.
func chunkNonce(index uint32) []byte {
	nonce := make([]byte, 12)
	binary.BigEndian.PutUint32(nonce[8:], index)
	return nonce
}
