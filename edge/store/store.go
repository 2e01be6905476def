package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// FileName is the name of the store's file in the data directory.
const FileName = "inbox.db"

// initialFrameBuffer is the starting capacity of a BodyWriter's buffer: a
// sealed message of a few KiB fits without growing it.
const initialFrameBuffer = 16 << 10

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
	bucketInboxes  = []byte("inboxes")
	bucketExpiry   = []byte("expiry")
	bucketMessages = []byte("messages")

	// Nested buckets inside an inbox's bucket of bucketMessages.
	bucketMessageRecords = []byte("m")
	bucketChunks         = []byte("c")
)

// Store is the edge's inbox database. It is safe for concurrent use.
type Store struct {
	db     *bbolt.DB
	bodies bodyDir
	epochs *seal.EpochKeys
	// framePool holds the buffers of BodyWriter, so that a small message's
	// chunks need no new allocation.
	framePool sync.Pool
	// index finds inboxes by token and address hash.
	index *inboxIndex
	// unindexed counts the hashes Open could not index; see Unindexed.
	unindexed int
	// commits groups the writes of CreateInbox and AddMessages, the ones
	// that many clients make at once, into shared transactions.
	commits *committer
}

// Open opens or creates dir/inbox.db and the body directory beside it. It
// waits up to five seconds for the file lock, so a second process on the
// same directory fails instead of sharing the file. It removes the body
// files that no record refers to, the leftovers of a crash. Messages are
// sealed under, and opened with, the keys of epochs.
func Open(dir string, epochs *seal.EpochKeys) (*Store, error) {
	path := filepath.Join(dir, FileName)
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: openTimeout})
	if err != nil {
		return nil, fmt.Errorf("open inbox store %s: %w", path, err)
	}
	s, err := newStore(dir, db, epochs)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open inbox store %s: %w", path, err)
	}
	return s, nil
}

func newStore(dir string, db *bbolt.DB, epochs *seal.EpochKeys) (*Store, error) {
	index := newInboxIndex()
	var unindexed int
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketInboxes, bucketExpiry, bucketMessages} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		if err := dropLegacyIndexes(tx); err != nil {
			return err
		}
		var err error
		unindexed, err = index.load(tx)
		return err
	})
	if err != nil {
		return nil, err
	}

	bodies, err := openBodyDir(dir)
	if err != nil {
		return nil, err
	}
	if err := bodies.removeOrphans(db); err != nil {
		return nil, err
	}
	s := &Store{db: db, bodies: bodies, epochs: epochs, index: index, unindexed: unindexed, commits: newCommitter(db)}
	s.framePool.New = func() any {
		buf := make([]byte, 0, initialFrameBuffer)
		return &buf
	}
	return s, nil
}

// Unindexed returns how many token and address hashes of the stored
// inboxes Open could not index: those of records that do not decode, and
// hashes that another record has already. Each such inbox is not found by
// that hash until it expires.
func (s *Store) Unindexed() int {
	return s.unindexed
}

// Close closes the file. It commits the grouped writes already queued
// and waits for running transactions to finish.
func (s *Store) Close() error {
	s.commits.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close inbox store: %w", err)
	}
	return nil
}

// PagesInUse returns the bytes of the database file that pages in use
// take: the file up to its last written page, less the free pages. The
// file itself grows in larger steps, so its size overstates what the
// data needs.
func (s *Store) PagesInUse() (int64, error) {
	var size int64
	if err := s.db.View(func(tx *bbolt.Tx) error {
		size = tx.Size()
		return nil
	}); err != nil {
		return 0, fmt.Errorf("measure inbox store: %w", err)
	}
	stats := s.db.Stats()
	free := int64(stats.FreePageN+stats.PendingPageN) * int64(s.db.Info().PageSize)
	return size - free, nil
}
