package inbox

import (
	"bytes"
	"crypto/hpke"
	"sync"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// keyCacheSize bounds the parsed public keys kept for delivery. A parsed
// ML-KEM-768+X25519 key takes about 6 KiB, so the cache stays under 8 MiB.
const keyCacheSize = 1024

// keyCache keeps the parsed public keys of the inboxes that receive mail.
// Parsing an ML-KEM-768 key expands its matrix from a seed with SHAKE,
// which costs about a fifth of an encapsulation, and a busy inbox would
// pay it for every message. It is safe for concurrent use.
type keyCache struct {
	mu   sync.Mutex
	keys map[string]cachedKey // by inbox id
}

type cachedKey struct {
	raw    []byte
	parsed hpke.PublicKey
}

func newKeyCache() *keyCache {
	return &keyCache{keys: make(map[string]cachedKey)}
}

// publicKey returns the parsed form of the inbox's public key raw. An entry
// is used only if its bytes equal raw, so a stale entry cannot be returned.
func (c *keyCache) publicKey(inboxID, raw []byte) (hpke.PublicKey, error) {
	c.mu.Lock()
	entry, ok := c.keys[string(inboxID)]
	c.mu.Unlock()
	if ok && bytes.Equal(entry.raw, raw) {
		return entry.parsed, nil
	}

	parsed, err := seal.ParsePublicKey(raw)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.keys) >= keyCacheSize {
		// Evict one entry; map iteration order makes it a random one.
		for id := range c.keys {
			delete(c.keys, id)
			break
		}
	}
	c.keys[string(inboxID)] = cachedKey{raw: bytes.Clone(raw), parsed: parsed}
	return parsed, nil
}
