package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
)

// FileName is the name of the store's file in the data directory.
const FileName = "inbox.db"

// openTimeout bounds the wait for bbolt's file lock, which another process
// on the same data directory holds.
const openTimeout = 5 * time.Second

var (
	// ErrNotFound is returned when no inbox has the id, token hash or
	// address hash, or when a message is added to an inbox that expired.
	ErrNotFound = errors.New("inbox not found")
	// ErrMessageNotFound is returned when the inbox has no message with the id.
	ErrMessageNotFound = errors.New("message not found")
	// ErrAddressTaken is returned by CreateInbox when another inbox has the
	// address hash, even one that expired and was not yet deleted.
	ErrAddressTaken = errors.New("address taken")
	// ErrDuplicate is returned by CreateInbox when the inbox id or token hash
	// exists. With random ids and tokens it means a broken random source.
	ErrDuplicate = errors.New("duplicate inbox id or token hash")
)

var (
	bucketInboxes   = []byte("inboxes")
	bucketByToken   = []byte("by_token")
	bucketByAddress = []byte("by_address")
	bucketExpiry    = []byte("expiry")
	bucketMessages  = []byte("messages")

	// Nested buckets inside an inbox's bucket of bucketMessages.
	bucketMessageRecords = []byte("m")
	bucketChunks         = []byte("c")
)

// Store is the edge's inbox database. It is safe for concurrent use.
type Store struct {
	db *bbolt.DB
}

// Open opens or creates dir/inbox.db. It waits up to five seconds for the
// file lock, so a second process on the same directory fails instead of
// sharing the file.
func Open(dir string) (*Store, error) {
	path := filepath.Join(dir, FileName)
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: openTimeout})
	if err != nil {
		return nil, fmt.Errorf("open inbox store %s: %w", path, err)
	}

	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketInboxes, bucketByToken, bucketByAddress, bucketExpiry, bucketMessages} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open inbox store %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file. It waits for running transactions to finish.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close inbox store: %w", err)
	}
	return nil
}
