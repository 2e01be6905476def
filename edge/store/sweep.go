package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DeleteExpired deletes up to limit inboxes that expired at or before now,
// each with everything DeleteInbox deletes, in one transaction, and then
// removes their body files. It returns the ids it deleted, and fewer than
// limit ids means that none are left. It writes nothing when no inbox has
// expired, so a frequent sweep costs no fsync. If removing body files
// fails, it returns the ids with the error, and the next Open removes the
// files.
func (s *Store) DeleteExpired(now time.Time, limit int) ([][]byte, error) {
	var found bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		found = len(expiredKeys(tx, now, 1)) > 0
		return nil
	})
	if err != nil || !found {
		return nil, err
	}

	var deleted []Inbox
	err = s.db.Update(func(tx *bbolt.Tx) error {
		deleted = deleted[:0]
		for _, key := range expiredKeys(tx, now, limit) {
			in, err := deleteByExpiryKey(tx, key)
			if err != nil {
				return err
			}
			if in.ID != nil {
				deleted = append(deleted, in)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delete expired inboxes: %w", err)
	}

	ids := make([][]byte, 0, len(deleted))
	var errs []error
	for _, in := range deleted {
		s.index.remove(in)
		ids = append(ids, in.ID)
		errs = append(errs, s.bodies.removeInbox(in.ID))
	}
	if err := errors.Join(errs...); err != nil {
		return ids, fmt.Errorf("delete expired inboxes: %w", err)
	}
	return ids, nil
}

// expiredKeys returns up to limit keys from the start of the expiry bucket
// whose expiry is at or before now.
func expiredKeys(tx *bbolt.Tx, now time.Time, limit int) [][]byte {
	var keys [][]byte
	c := tx.Bucket(bucketExpiry).Cursor()
	for k, _ := c.First(); k != nil && len(keys) < limit; k, _ = c.Next() {
		if len(k) < 8 || int64(binary.BigEndian.Uint64(k[:8])) > now.UnixNano() {
			break
		}
		keys = append(keys, append([]byte(nil), k...))
	}
	return keys
}

// deleteByExpiryKey deletes the inbox of an expiry entry and returns it.
// An entry whose record is missing or points elsewhere is only removed, and
// the inbox returned has no id, so a stray entry cannot stall the sweep.
// A corrupt record's inbox comes back with its id only.
func deleteByExpiryKey(tx *bbolt.Tx, key []byte) (Inbox, error) {
	id := key[8:]
	in, err := getInbox(tx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return Inbox{}, tx.Bucket(bucketExpiry).Delete(key)
	case errors.Is(err, ErrCorruptRecord):
		corrupt := corruptInbox(tx, id)
		return corrupt, deleteCorruptInbox(tx, key)
	case err != nil:
		return Inbox{}, err
	}
	if !bytes.Equal(expiryKey(in.ExpiresAt, id), key) {
		return Inbox{}, tx.Bucket(bucketExpiry).Delete(key)
	}
	return in, deleteInbox(tx, in)
}

// corruptInbox returns the id of an inbox whose record does not decode,
// with the hashes at the record's start when they still decode, so that
// the caller can remove its index entries.
func corruptInbox(tx *bbolt.Tx, id []byte) Inbox {
	in := Inbox{ID: bytes.Clone(id)}
	token, address, err := decodeInboxHashes(tx.Bucket(bucketInboxes).Get(id))
	if err == nil {
		in.TokenHash, in.AddressHash = bytes.Clone(token), bytes.Clone(address)
	}
	return in
}

// deleteCorruptInbox deletes an inbox whose record does not decode.
func deleteCorruptInbox(tx *bbolt.Tx, key []byte) error {
	id := key[8:]
	if err := tx.Bucket(bucketExpiry).Delete(key); err != nil {
		return err
	}
	if err := tx.Bucket(bucketInboxes).Delete(id); err != nil {
		return err
	}
	err := tx.Bucket(bucketMessages).DeleteBucket(id)
	if err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	return nil
}
