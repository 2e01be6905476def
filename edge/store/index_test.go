package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

func TestOpen_RebuildsIndex(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, testEpochKeys(t, dir))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	kept := createTestInbox(t, s, testNow.Add(time.Hour))
	deleted := createTestInbox(t, s, testNow.Add(time.Hour))
	if err := s.DeleteInbox(deleted.ID); err != nil {
		t.Fatalf("DeleteInbox: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	reopened := openTestStore(t, dir)
	assertIndexed(t, reopened, kept)
	assertNotIndexed(t, reopened, deleted)
	retaken := newTestInbox(t, testNow.Add(time.Hour))
	retaken.AddressHash = deleted.AddressHash
	if err := reopened.CreateInbox(retaken); err != nil {
		t.Errorf("CreateInbox with a deleted inbox's address: %v", err)
	}
	again := newTestInbox(t, testNow.Add(time.Hour))
	again.AddressHash = kept.AddressHash
	if err := reopened.CreateInbox(again); !errors.Is(err, ErrAddressTaken) {
		t.Errorf("CreateInbox with a live inbox's address: got %v, want ErrAddressTaken", err)
	}
}

// A store written by a version that kept its indexes in bbolt buckets
// opens with the buckets gone and every inbox found through the index
// rebuilt from the records.
func TestOpen_DropsIndexBucketsOfEarlierVersions(t *testing.T) {
	dir := t.TempDir()
	in := newTestInbox(t, testNow.Add(time.Hour))
	db, err := bbolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatalf("bbolt.Open: %v", err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range []string{"inboxes", "by_token", "by_address", "expiry", "messages"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		if err := putInbox(tx, in); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("by_token")).Put(in.TokenHash, in.ID); err != nil {
			return err
		}
		return tx.Bucket([]byte("by_address")).Put(in.AddressHash, in.ID)
	})
	if err != nil {
		t.Fatalf("write an earlier version's store: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	s := openTestStore(t, dir)
	assertIndexed(t, s, in)
	err = s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range []string{"by_token", "by_address"} {
			if tx.Bucket([]byte(name)) != nil {
				t.Errorf("bucket %s still exists", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("view: %v", err)
	}
}

// The index keys on the first 16 bytes of a hash. A hash that shares them
// with a stored one but differs after them finds nothing, and a create
// with it is rejected, so it cannot shadow the first inbox.
func TestIndex_HashesSharingTheirFirst16Bytes(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Hour))
	token := withByte(in.TokenHash, 31, in.TokenHash[31]^1)
	address := withByte(in.AddressHash, 20, in.AddressHash[20]^1)

	if _, err := s.InboxByToken(token); !errors.Is(err, ErrNotFound) {
		t.Errorf("InboxByToken with another tail: got %v, want ErrNotFound", err)
	}
	if _, err := s.InboxByAddress(address); !errors.Is(err, ErrNotFound) {
		t.Errorf("InboxByAddress with another tail: got %v, want ErrNotFound", err)
	}
	other := newTestInbox(t, testNow.Add(time.Hour))
	other.AddressHash = address
	if err := s.CreateInbox(other); !errors.Is(err, ErrAddressTaken) {
		t.Errorf("CreateInbox: got %v, want ErrAddressTaken", err)
	}
	assertIndexed(t, s, in)
}

// A create that fails at commit leaves no index entry behind: its token
// and address hashes can be used again at once.
func TestCreateInbox_FailedCommitReleasesHashes(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	existing := createTestInbox(t, s, testNow.Add(time.Hour))
	failed := newTestInbox(t, testNow.Add(time.Hour))
	failed.ID = existing.ID
	if err := s.CreateInbox(failed); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("CreateInbox with a taken id: got %v, want ErrDuplicate", err)
	}
	assertNotIndexed(t, s, failed)

	retry := failed
	retry.ID = randomBytes(t, 16)
	if err := s.CreateInbox(retry); err != nil {
		t.Fatalf("CreateInbox with the failed create's hashes: %v", err)
	}
	assertIndexed(t, s, retry)
	assertIndexed(t, s, existing)
}

func TestCreateInbox_RejectsIDOfWrongLength(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := newTestInbox(t, testNow.Add(time.Hour))
	in.ID = randomBytes(t, 8)
	if err := s.CreateInbox(in); err == nil {
		t.Fatal("CreateInbox with an 8-byte id: got no error, want one")
	}
	assertNotIndexed(t, s, in)
}

func TestDeleteExpired_RemovesIndexEntries(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	expired := createTestInbox(t, s, testNow.Add(-time.Minute))
	live := createTestInbox(t, s, testNow.Add(time.Hour))

	if _, err := s.DeleteExpired(testNow, 10); err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}

	assertNotIndexed(t, s, expired)
	assertIndexed(t, s, live)
	s.index.mu.RLock()
	defer s.index.mu.RUnlock()
	if n := len(s.index.byToken); n != 1 {
		t.Errorf("token entries: got %d, want 1", n)
	}
}

func assertIndexed(t *testing.T, s *Store, in Inbox) {
	t.Helper()
	byToken, err := s.InboxByToken(in.TokenHash)
	if err != nil || !bytes.Equal(byToken.ID, in.ID) {
		t.Errorf("InboxByToken: got id %x, %v; want %x", byToken.ID, err, in.ID)
	}
	byAddress, err := s.InboxByAddress(in.AddressHash)
	if err != nil || !bytes.Equal(byAddress.ID, in.ID) {
		t.Errorf("InboxByAddress: got id %x, %v; want %x", byAddress.ID, err, in.ID)
	}
}

func assertNotIndexed(t *testing.T, s *Store, in Inbox) {
	t.Helper()
	if got, err := s.InboxByToken(in.TokenHash); !errors.Is(err, ErrNotFound) {
		t.Errorf("InboxByToken: got id %x, %v; want ErrNotFound", got.ID, err)
	}
	if got, err := s.InboxByAddress(in.AddressHash); !errors.Is(err, ErrNotFound) {
		t.Errorf("InboxByAddress: got id %x, %v; want ErrNotFound", got.ID, err)
	}
}

// A record that cannot be indexed, because it does not decode or its
// hash is filed already, does not stop the store from opening.
func TestOpen_SkipsRecordsItCannotIndex(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, testEpochKeys(t, dir))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	first := createTestInbox(t, s, testNow.Add(time.Hour))
	twin := newTestInbox(t, testNow.Add(time.Hour))
	twin.TokenHash = first.TokenHash
	broken := newTestInbox(t, testNow.Add(time.Hour))
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if err := putInbox(tx, twin); err != nil {
			return err
		}
		return tx.Bucket(bucketInboxes).Put(broken.ID, []byte{recordVersion, 0xff})
	})
	if err != nil {
		t.Fatalf("write the records: %v", err)
	}

	index := newInboxIndex()
	var skipped int
	err = s.db.View(func(tx *bbolt.Tx) (err error) {
		skipped, err = index.load(tx)
		return err
	})
	if err != nil || skipped != 2 {
		t.Errorf("load: got %d skipped, %v; want 2 skipped, no error", skipped, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	reopened := openTestStore(t, dir)
	got, err := reopened.InboxByToken(first.TokenHash)
	if err != nil {
		t.Fatalf("InboxByToken: %v", err)
	}
	if !bytes.Equal(got.ID, first.ID) && !bytes.Equal(got.ID, twin.ID) {
		t.Errorf("InboxByToken: got id %x, want %x or %x", got.ID, first.ID, twin.ID)
	}
}
