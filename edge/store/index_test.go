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
	remaining := createTestInbox(t, s, testNow.Add(time.Hour))
	deleted := createTestInbox(t, s, testNow.Add(time.Hour))
	if err := s.DeleteInbox(deleted.ID); err != nil {
		t.Fatalf("DeleteInbox: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	reopened := openTestStore(t, dir)
	assertIndexed(t, reopened, remaining)
	assertNotIndexed(t, reopened, deleted)
	retaken := newTestInbox(t, testNow.Add(time.Hour))
	retaken.AddressHash = deleted.AddressHash
	if err := reopened.CreateInbox(retaken); err != nil {
		t.Errorf("CreateInbox with a deleted inbox's address: %v", err)
	}
	again := newTestInbox(t, testNow.Add(time.Hour))
	again.AddressHash = remaining.AddressHash
	if err := reopened.CreateInbox(again); !errors.Is(err, ErrAddressTaken) {
		t.Errorf("CreateInbox with a live inbox's address: got %v, want ErrAddressTaken", err)
	}
}

// A store written by a version that remaining its indexes in bbolt buckets
// opens with the buckets gone and every inbox found through the index
// rebuilt from the records.
func TestOpen_DropsLegacyIndexBuckets(t *testing.T) {
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
func TestIndex_SharedPrefixFindsNothing(t *testing.T) {
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

// A record that does not decode, or whose hash another record has, does
// not stop the store from opening. The other hash of such a record is
// still indexed, so its address stays taken.
func TestOpen_IndexesWhatItCan(t *testing.T) {
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
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	reopened := openTestStore(t, dir)

	if got := reopened.Unindexed(); got != 3 {
		t.Errorf("Unindexed: got %d, want 3 (two of the broken record, one of the twin)", got)
	}
	for _, in := range []Inbox{first, twin} {
		got, err := reopened.InboxByAddress(in.AddressHash)
		if err != nil || !bytes.Equal(got.ID, in.ID) {
			t.Errorf("InboxByAddress: got id %x, %v; want %x", got.ID, err, in.ID)
		}
	}
	byToken, err := reopened.InboxByToken(first.TokenHash)
	if err != nil || (!bytes.Equal(byToken.ID, first.ID) && !bytes.Equal(byToken.ID, twin.ID)) {
		t.Errorf("InboxByToken: got id %x, %v; want %x or %x", byToken.ID, err, first.ID, twin.ID)
	}
	again := newTestInbox(t, testNow.Add(time.Hour))
	again.AddressHash = twin.AddressHash
	if err := reopened.CreateInbox(again); !errors.Is(err, ErrAddressTaken) {
		t.Errorf("CreateInbox with the twin's address: got %v, want ErrAddressTaken", err)
	}
}

// The sweep removes the index entries of an expired inbox whose record is
// damaged after its hashes, so that its address can be given out again.
func TestDeleteExpired_CorruptRecordLeavesNoEntries(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(-time.Minute))
	err := s.db.Update(func(tx *bbolt.Tx) error {
		record := tx.Bucket(bucketInboxes).Get(in.ID)
		return tx.Bucket(bucketInboxes).Put(in.ID, bytes.Clone(record[:len(record)-1]))
	})
	if err != nil {
		t.Fatalf("damage the record: %v", err)
	}

	if _, err := s.DeleteExpired(testNow, 10); err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}

	assertNotIndexed(t, s, in)
	retaken := newTestInbox(t, testNow.Add(time.Hour))
	retaken.AddressHash = in.AddressHash
	if err := s.CreateInbox(retaken); err != nil {
		t.Errorf("CreateInbox with the swept inbox's address: %v", err)
	}
}
