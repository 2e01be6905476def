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

// Inbox is the stored record of one inbox.
type Inbox struct {
	ID          []byte
	TokenHash   []byte
	AddressHash []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// Epoch is the epoch key under which WrappedPrivateKey and SealedAddress
	// are sealed a second time.
	Epoch             int64
	PublicKey         []byte
	WrappedPrivateKey []byte
	SealedAddress     []byte
}

// Live reports whether the inbox has not expired at now. An inbox expires at
// ExpiresAt exactly.
func (in Inbox) Live(now time.Time) bool {
	return now.Before(in.ExpiresAt)
}

// CreateInbox stores a new inbox and indexes it. It returns
// ErrAddressTaken when the address hash is in use and ErrDuplicate when
// the id or the token hash is.
func (s *Store) CreateInbox(in Inbox) error {
	if err := checkExpiry(in.ExpiresAt); err != nil {
		return fmt.Errorf("create inbox: %w", err)
	}
	if err := s.index.reserve(in); err != nil {
		return fmt.Errorf("create inbox: %w", err)
	}

	// Concurrent creates share commits. The function checks before it
	// writes, so a run again after a rollback finds the same state.
	err := s.commits.update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketInboxes).Get(in.ID) != nil {
			return ErrDuplicate
		}
		return putInbox(tx, in)
	})
	if err != nil {
		s.index.remove(in)
		return fmt.Errorf("create inbox: %w", err)
	}
	return nil
}

// Inbox returns the inbox with the id, or ErrNotFound.
func (s *Store) Inbox(id []byte) (Inbox, error) {
	var in Inbox
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		in, err = getInbox(tx, id)
		return err
	})
	if err != nil {
		return Inbox{}, fmt.Errorf("get inbox: %w", err)
	}
	return in, nil
}

// InboxByToken returns the inbox whose token hash is tokenHash, or
// ErrNotFound.
func (s *Store) InboxByToken(tokenHash []byte) (Inbox, error) {
	id, ok := s.index.tokenID(tokenHash)
	in, err := s.indexedInbox(id, ok, func(in Inbox) []byte { return in.TokenHash }, tokenHash)
	if err != nil {
		return Inbox{}, fmt.Errorf("get inbox by token hash: %w", err)
	}
	return in, nil
}

// InboxByAddress returns the inbox whose address hash is addressHash, or
// ErrNotFound.
func (s *Store) InboxByAddress(addressHash []byte) (Inbox, error) {
	id, ok := s.index.addressID(addressHash)
	in, err := s.indexedInbox(id, ok, func(in Inbox) []byte { return in.AddressHash }, addressHash)
	if err != nil {
		return Inbox{}, fmt.Errorf("get inbox by address hash: %w", err)
	}
	return in, nil
}

// indexedInbox reads the inbox that the index filed under hash. Because
// the index keys on the first 16 bytes only, it then checks that the
// record's whole hash, as field returns it, equals hash.
func (s *Store) indexedInbox(id []byte, found bool, field func(Inbox) []byte, hash []byte) (Inbox, error) {
	if !found {
		return Inbox{}, ErrNotFound
	}
	var in Inbox
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		in, err = getInbox(tx, id)
		return err
	})
	if err != nil {
		return Inbox{}, err
	}
	if !bytes.Equal(field(in), hash) {
		return Inbox{}, ErrNotFound
	}
	return in, nil
}

// UpdateInbox reads the inbox, lets update change it and writes it back in
// one transaction, moving its expiry entry when ExpiresAt changed. Update
// must not change the id or the hashes. An error from update aborts the
// transaction and is returned wrapped.
//
// Every message not yet in the inbox's epoch is re-sealed under it in the
// same transaction: records, inline chunks and body files. A moved body is
// written to a new file and synced before the commit, and the old file is
// removed after it, so a crash at any point leaves one complete copy that
// a record refers to, and the next Open removes the other.
func (s *Store) UpdateInbox(id []byte, update func(*Inbox) error) error {
	move := &epochMove{inboxID: id}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		old, err := getInbox(tx, id)
		if err != nil {
			return err
		}
		in := old
		if err := update(&in); err != nil {
			return err
		}
		if !bytes.Equal(in.ID, old.ID) || !bytes.Equal(in.TokenHash, old.TokenHash) || !bytes.Equal(in.AddressHash, old.AddressHash) {
			return errors.New("id or hashes changed")
		}
		if err := checkExpiry(in.ExpiresAt); err != nil {
			return err
		}
		if err := tx.Bucket(bucketExpiry).Delete(expiryKey(old.ExpiresAt, id)); err != nil {
			return err
		}
		if err := s.moveMessages(tx, in, move); err != nil {
			return err
		}
		return putInbox(tx, in)
	})
	if err != nil {
		_ = move.finish(false)
		return fmt.Errorf("update inbox: %w", err)
	}
	if err := move.finish(true); err != nil {
		return fmt.Errorf("update inbox: %w", err)
	}
	return nil
}

// DeleteInbox deletes the inbox, its index entries, its expiry entry and
// every message and chunk in one transaction, and then removes its body
// files. It returns ErrNotFound when the inbox does not exist. If removing
// the files fails, the inbox is deleted all the same, the error is
// returned, and the next Open removes the files.
func (s *Store) DeleteInbox(id []byte) error {
	var deleted Inbox
	err := s.db.Update(func(tx *bbolt.Tx) error {
		in, err := getInbox(tx, id)
		if err != nil {
			return err
		}
		deleted = in
		return deleteInbox(tx, in)
	})
	if err != nil {
		return fmt.Errorf("delete inbox: %w", err)
	}
	s.index.remove(deleted)
	if err := s.bodies.removeInbox(id); err != nil {
		return fmt.Errorf("delete inbox: %w", err)
	}
	return nil
}

func putInbox(tx *bbolt.Tx, in Inbox) error {
	if err := tx.Bucket(bucketInboxes).Put(in.ID, encodeInbox(in)); err != nil {
		return err
	}
	return tx.Bucket(bucketExpiry).Put(expiryKey(in.ExpiresAt, in.ID), []byte{})
}

func getInbox(tx *bbolt.Tx, id []byte) (Inbox, error) {
	record := tx.Bucket(bucketInboxes).Get(id)
	if record == nil {
		return Inbox{}, ErrNotFound
	}
	in, err := decodeInbox(record)
	if err != nil {
		return Inbox{}, fmt.Errorf("inbox %x: %w", id, err)
	}
	in.ID = append([]byte(nil), id...)
	return in, nil
}

// deleteInbox deletes the inbox's records. Its index entries stay until
// the caller removes them once the transaction has committed.
func deleteInbox(tx *bbolt.Tx, in Inbox) error {
	steps := []struct {
		bucket, key []byte
	}{
		{bucketExpiry, expiryKey(in.ExpiresAt, in.ID)},
		{bucketInboxes, in.ID},
	}
	for _, step := range steps {
		if err := tx.Bucket(step.bucket).Delete(step.key); err != nil {
			return err
		}
	}
	err := tx.Bucket(bucketMessages).DeleteBucket(in.ID)
	if err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	return nil
}

// expiryKey orders inboxes by expiry. Times before 1970 are rejected by
// checkExpiry, because their negative Unix time would sort last.
func expiryKey(expiresAt time.Time, id []byte) []byte {
	key := binary.BigEndian.AppendUint64(nil, uint64(expiresAt.UnixNano()))
	return append(key, id...)
}

func checkExpiry(expiresAt time.Time) error {
	if expiresAt.UnixNano() < 0 {
		return fmt.Errorf("expiry %v is before 1970", expiresAt)
	}
	return nil
}

func encodeInbox(in Inbox) []byte {
	e := newEncoder(recordVersion)
	e.bytes(in.TokenHash)
	e.bytes(in.AddressHash)
	e.time(in.CreatedAt)
	e.time(in.ExpiresAt)
	e.int64(in.Epoch)
	e.bytes(in.PublicKey)
	e.bytes(in.WrappedPrivateKey)
	e.bytes(in.SealedAddress)
	return e.buf
}

func decodeInbox(record []byte) (Inbox, error) {
	d := newDecoder(record, recordVersion)
	in := Inbox{
		TokenHash:         d.bytes(),
		AddressHash:       d.bytes(),
		CreatedAt:         d.time(),
		ExpiresAt:         d.time(),
		Epoch:             d.int64(),
		PublicKey:         d.bytes(),
		WrappedPrivateKey: d.bytes(),
		SealedAddress:     d.bytes(),
	}
	return in, d.finish()
}

// decodeInboxHashes reads the token and address hashes at the start of an
// inbox record without copying them or decoding the rest.
func decodeInboxHashes(record []byte) (tokenHash, addressHash []byte, err error) {
	d := newDecoder(record, recordVersion)
	tokenHash = d.view()
	addressHash = d.view()
	return tokenHash, addressHash, d.err
}

// CountInboxes returns how many inbox records the store holds, expired
// ones the sweeper has not removed yet included.
func (s *Store) CountInboxes() (int, error) {
	var n int
	err := s.db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(bucketInboxes).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count inboxes: %w", err)
	}
	return n, nil
}
