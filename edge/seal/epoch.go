package seal

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// EpochKeysFile is the name of the epoch key file in the data directory.
const EpochKeysFile = "epoch.keys"

// DefaultEpochWindow is the span of expiry times that share one epoch key
// when the caller sets none.
const DefaultEpochWindow = time.Hour

// epochKeysVersion is the first byte of the epoch key file. Each entry that
// follows is an 8-byte big-endian epoch and its 32-byte key. Version 1
// numbered epochs in hours and is read as unreadable.
const (
	epochKeysVersion = 2
	epochEntrySize   = 8 + keySize
)

const epochSealLabel = "mayfly v1 epoch"

var (
	// ErrEpochKeyNotFound is returned when the key of an epoch does not
	// exist: it was never created, or the epoch has ended and its key was
	// destroyed.
	ErrEpochKeyNotFound = errors.New("epoch key not found")
	// ErrEpochKeysUnreadable is returned by LoadEpochKeys for a key file
	// that does not decode. The records sealed under its keys cannot be
	// opened again.
	ErrEpochKeysUnreadable = errors.New("epoch key file unreadable")
)

// EpochKeys is the node's set of epoch keys, kept in memory and, unless it
// was made by NewEpochKeys, in the epoch key file. An epoch is named by
// the time it ends, in Unix nanoseconds: the end of the window that holds
// the expiry times it covers. Naming epochs by their end keeps the keys of
// the file valid when the window changes between runs. It is safe for
// concurrent use.
type EpochKeys struct {
	window time.Duration
	mu     sync.Mutex
	path   string // empty for a set that is never written
	keys   map[int64][]byte
}

// NewEpochKeys returns an empty set of epoch keys that is never written to
// disk. A window of 0 is DefaultEpochWindow.
func NewEpochKeys(window time.Duration) *EpochKeys {
	return &EpochKeys{window: windowOrDefault(window), keys: make(map[int64][]byte)}
}

// LoadEpochKeys loads dir/epoch.keys. A missing file is an empty set, and
// the file is written when the first key is created. A file that does not
// decode is ErrEpochKeysUnreadable, and EmptyEpochKeys starts over.
func LoadEpochKeys(dir string, window time.Duration) (*EpochKeys, error) {
	k := &EpochKeys{window: windowOrDefault(window), path: filepath.Join(dir, EpochKeysFile), keys: make(map[int64][]byte)}

	data, err := os.ReadFile(k.path)
	if errors.Is(err, fs.ErrNotExist) {
		return k, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load epoch keys: %w", err)
	}
	err = k.decode(data)
	clear(data)
	if err != nil {
		return nil, fmt.Errorf("load epoch keys: %s: %w: %w", k.path, ErrEpochKeysUnreadable, err)
	}
	return k, nil
}

// EmptyEpochKeys returns an empty set of epoch keys for dir/epoch.keys,
// without reading the file. Its first write, or Save, replaces the file,
// which is how a caller starts over after ErrEpochKeysUnreadable.
func EmptyEpochKeys(dir string, window time.Duration) *EpochKeys {
	return &EpochKeys{window: windowOrDefault(window), path: filepath.Join(dir, EpochKeysFile), keys: make(map[int64][]byte)}
}

// Save writes the set to its file now.
func (k *EpochKeys) Save() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.save(); err != nil {
		return fmt.Errorf("save epoch keys: %w", err)
	}
	return nil
}

// Epochs returns the epochs whose keys exist, in no particular order.
func (k *EpochKeys) Epochs() []int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	epochs := make([]int64, 0, len(k.keys))
	for epoch := range k.keys {
		epochs = append(epochs, epoch)
	}
	return epochs
}

func windowOrDefault(window time.Duration) time.Duration {
	if window <= 0 {
		return DefaultEpochWindow
	}
	return window
}

// Window returns the span of expiry times that share one epoch.
func (k *EpochKeys) Window() time.Duration {
	return k.window
}

// EpochOf returns the epoch of an expiry time: the first multiple of the
// window, counted from the Unix epoch, at or after expiresAt. An epoch
// therefore ends at the latest expiry it covers.
func (k *EpochKeys) EpochOf(expiresAt time.Time) int64 {
	n, w := expiresAt.UnixNano(), int64(k.window)
	epoch := n / w * w
	if epoch < n {
		epoch += w
	}
	return epoch
}

// EpochEnd returns the time at which every inbox of the epoch has expired.
func EpochEnd(epoch int64) time.Time {
	return time.Unix(0, epoch)
}

// Ensure creates the key of epoch unless it exists. A new key is durable on
// disk before Ensure returns, so a record sealed under it can be committed.
func (k *EpochKeys) Ensure(epoch int64) error {
	k.mu.Lock()
	defer k.mu.Unlock()

	if _, ok := k.keys[epoch]; ok {
		return nil
	}
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("create epoch key: %w", err)
	}
	k.keys[epoch] = key
	if err := k.save(); err != nil {
		delete(k.keys, epoch)
		return fmt.Errorf("create epoch key %d: %w", epoch, err)
	}
	return nil
}

// Has reports whether the key of epoch exists.
func (k *EpochKeys) Has(epoch int64) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.keys[epoch]
	return ok
}

// Seal seals plaintext under the key of epoch.
func (k *EpochKeys) Seal(epoch int64, plaintext, aad []byte) ([]byte, error) {
	key, err := k.key(epoch)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return sealWithKey(key, plaintext, joinLabel(epochSealLabel, aad))
}

// Open opens what Seal sealed. It returns ErrEpochKeyNotFound once the
// epoch's key is destroyed, and ErrDecrypt for changed data.
func (k *EpochKeys) Open(epoch int64, sealed, aad []byte) ([]byte, error) {
	key, err := k.key(epoch)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return openWithKey(key, sealed, joinLabel(epochSealLabel, aad))
}

// DestroyEnded destroys the keys of every epoch that ended at or before now
// and returns how many it destroyed. The file no longer holds them when it
// returns.
func (k *EpochKeys) DestroyEnded(now time.Time) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()

	ended := 0
	for epoch, key := range k.keys {
		if !EpochEnd(epoch).After(now) {
			clear(key)
			delete(k.keys, epoch)
			ended++
		}
	}
	if ended == 0 {
		return 0, nil
	}
	if err := k.save(); err != nil {
		return 0, fmt.Errorf("destroy epoch keys: %w", err)
	}
	return ended, nil
}

// Len returns the number of epoch keys.
func (k *EpochKeys) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys)
}

// key returns a copy of the key, so the caller may use it after the lock is
// released and the key destroyed.
func (k *EpochKeys) key(epoch int64) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()

	key, ok := k.keys[epoch]
	if !ok {
		return nil, fmt.Errorf("%w: epoch %d", ErrEpochKeyNotFound, epoch)
	}
	return append([]byte(nil), key...), nil
}

// save writes every key to the file. The caller holds k.mu.
//
// NOTE: the file is replaced by rename, so the file system may keep the old
// content in freed blocks until they are reused. A destroyed key is gone for
// this program and for backups taken later, not from the raw device.
func (k *EpochKeys) save() error {
	if k.path == "" {
		return nil
	}
	data := make([]byte, 1, 1+len(k.keys)*epochEntrySize)
	data[0] = epochKeysVersion
	for epoch, key := range k.keys {
		data = binary.BigEndian.AppendUint64(data, uint64(epoch))
		data = append(data, key...)
	}
	err := writeFileAtomic(k.path, data)
	clear(data)
	return err
}

func (k *EpochKeys) decode(data []byte) error {
	if len(data) == 0 || data[0] != epochKeysVersion {
		return fmt.Errorf("unknown format: want version %d", epochKeysVersion)
	}
	entries := data[1:]
	if len(entries)%epochEntrySize != 0 {
		return fmt.Errorf("truncated: %d bytes of entries is not a multiple of %d", len(entries), epochEntrySize)
	}
	for ; len(entries) > 0; entries = entries[epochEntrySize:] {
		epoch := int64(binary.BigEndian.Uint64(entries[:8]))
		k.keys[epoch] = append([]byte(nil), entries[8:epochEntrySize]...)
	}
	return nil
}
