package seal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// NodeKeyFile is the name of the node key file in the data directory.
const NodeKeyFile = "node.key"

// nodeKeySize is the size of the node key file: a 256-bit secret.
const nodeKeySize = 32

// NodeKey derives the keys of the node's keyed hashes. Losing the node key
// file makes every stored inbox unreachable, because tokens and addresses
// are looked up by these hashes. A NodeKey is safe for concurrent use.
type NodeKey struct {
	tokenHashKey   []byte
	addressHashKey []byte
}

// LoadOrCreateNodeKey loads dir/node.key, or creates it with a fresh secret
// when it does not exist. A file of the wrong size is an error, never
// replaced, because replacing it would orphan every stored inbox.
func LoadOrCreateNodeKey(dir string) (*NodeKey, error) {
	path := filepath.Join(dir, NodeKeyFile)
	secret, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		secret, err = createNodeKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("load node key: %w", err)
	}
	if len(secret) != nodeKeySize {
		return nil, fmt.Errorf("load node key: %s has %d bytes, want %d: restore it from a backup", path, len(secret), nodeKeySize)
	}
	return newNodeKey(secret)
}

func createNodeKey(path string) ([]byte, error) {
	secret := make([]byte, nodeKeySize)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := writeFileAtomic(path, secret); err != nil {
		return nil, err
	}
	return secret, nil
}

// newNodeKey derives one HMAC key per purpose, so that a token hash can never
// equal an address hash.
func newNodeKey(secret []byte) (*NodeKey, error) {
	tokenKey, err := deriveKey(secret, nil, "mayfly v1 token hash")
	if err != nil {
		return nil, err
	}
	addressKey, err := deriveKey(secret, nil, "mayfly v1 address hash")
	if err != nil {
		return nil, err
	}
	return &NodeKey{tokenHashKey: tokenKey, addressHashKey: addressKey}, nil
}

// TokenHash returns HMAC-SHA256 of the token's secret, the key under which
// the inbox is found. The owner code is not hashed.
func (k *NodeKey) TokenHash(t Token) []byte {
	return keyedHash(k.tokenHashKey, t.secret[:])
}

// AddressHash returns HMAC-SHA256 of an address. The caller normalises the
// address first, because the hash is of its exact bytes.
func (k *NodeKey) AddressHash(address string) []byte {
	return keyedHash(k.addressHashKey, []byte(address))
}

func keyedHash(key, data []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write(data)
	return mac.Sum(nil)
}
