package store

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

var testNow = time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)

func openTestStore(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir, testEpochKeys(t, dir))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testEpoch is the epoch of every test inbox.
const testEpoch = 42

// testEpochKeys loads the epoch keys of dir and creates testEpoch's key.
func testEpochKeys(t testing.TB, dir string) *seal.EpochKeys {
	t.Helper()
	keys, err := seal.LoadEpochKeys(dir, time.Hour)
	if err != nil {
		t.Fatalf("LoadEpochKeys: %v", err)
	}
	if err := keys.Ensure(testEpoch); err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	return keys
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("rand: %v", err)
	}
	return b
}

func newTestInbox(t testing.TB, expiresAt time.Time) Inbox {
	t.Helper()
	return Inbox{
		ID:                randomBytes(t, 16),
		TokenHash:         randomBytes(t, 32),
		AddressHash:       randomBytes(t, 32),
		CreatedAt:         testNow,
		ExpiresAt:         expiresAt,
		Epoch:             testEpoch,
		PublicKey:         randomBytes(t, 1216),
		WrappedPrivateKey: randomBytes(t, 92),
		SealedAddress:     randomBytes(t, 50),
	}
}

func createTestInbox(t testing.TB, s *Store, expiresAt time.Time) Inbox {
	t.Helper()
	in := newTestInbox(t, expiresAt)
	if err := s.CreateInbox(in); err != nil {
		t.Fatalf("CreateInbox: %v", err)
	}
	return in
}

// newTestMessage returns a message with an id that sorts by sequence.
func newTestMessage(t testing.TB, sequence uint64, chunkCount int) (Message, [][]byte) {
	t.Helper()
	id := binary.BigEndian.AppendUint64(nil, sequence)
	id = append(id, randomBytes(t, 8)...)
	chunks := make([][]byte, chunkCount)
	for i := range chunks {
		chunks[i] = randomBytes(t, 100+i)
	}
	m := Message{ID: id, Enc: randomBytes(t, 1120), SealedMeta: randomBytes(t, 80), Size: 1234, Chunks: uint32(chunkCount), Epoch: testEpoch}
	return m, chunks
}

func addTestMessage(t testing.TB, s *Store, inboxID []byte, sequence uint64, chunkCount int) (Message, [][]byte) {
	t.Helper()
	m, chunks := newTestMessage(t, sequence, chunkCount)
	if err := s.AddMessage(inboxID, testNow, m, chunks); err != nil {
		t.Fatalf("AddMessage: %v", err)
	}
	return m, chunks
}

func assertInboxEqual(t *testing.T, got, want Inbox) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got inbox %+v, want %+v", got, want)
	}
}

func TestOpen_FileMode(t *testing.T) {
	dir := t.TempDir()
	openTestStore(t, dir)
	info, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("got mode %v, want 0600", got)
	}
}

func TestStore_CreateAndLookUp(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Hour))

	byID, err := s.Inbox(in.ID)
	if err != nil {
		t.Fatalf("Inbox: %v", err)
	}
	assertInboxEqual(t, byID, in)

	byToken, err := s.InboxByToken(in.TokenHash)
	if err != nil {
		t.Fatalf("InboxByToken: %v", err)
	}
	assertInboxEqual(t, byToken, in)

	byAddress, err := s.InboxByAddress(in.AddressHash)
	if err != nil {
		t.Fatalf("InboxByAddress: %v", err)
	}
	assertInboxEqual(t, byAddress, in)
}

func TestStore_LookUpUnknown(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	createTestInbox(t, s, testNow.Add(time.Hour))
	unknown := randomBytes(t, 32)

	lookups := map[string]func() (Inbox, error){
		"id":      func() (Inbox, error) { return s.Inbox(unknown[:16]) },
		"token":   func() (Inbox, error) { return s.InboxByToken(unknown) },
		"address": func() (Inbox, error) { return s.InboxByAddress(unknown) },
	}
	for name, lookup := range lookups {
		t.Run(name, func(t *testing.T) {
			if _, err := lookup(); !errors.Is(err, ErrNotFound) {
				t.Errorf("got %v, want ErrNotFound", err)
			}
		})
	}
}

func TestCreateInbox_Conflicts(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	existing := createTestInbox(t, s, testNow.Add(time.Hour))

	tests := []struct {
		name   string
		change func(in *Inbox)
		want   error
	}{
		{"same address hash", func(in *Inbox) { in.AddressHash = existing.AddressHash }, ErrAddressTaken},
		{"same token hash", func(in *Inbox) { in.TokenHash = existing.TokenHash }, ErrDuplicate},
		{"same id", func(in *Inbox) { in.ID = existing.ID }, ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newTestInbox(t, testNow.Add(time.Hour))
			tt.change(&in)
			if err := s.CreateInbox(in); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}

	got, err := s.Inbox(existing.ID)
	if err != nil {
		t.Fatalf("Inbox: %v", err)
	}
	assertInboxEqual(t, got, existing)
}

func TestCreateInbox_ExpiryBefore1970(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	if err := s.CreateInbox(newTestInbox(t, time.Unix(-1, 0))); err == nil {
		t.Errorf("got no error, want one")
	}
}

func TestStore_MessagesRoundTrip(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Hour))
	first, _ := addTestMessage(t, s, in.ID, 1, 1)
	second, chunks := addTestMessage(t, s, in.ID, 2, 3)

	list, err := s.Messages(in.ID)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if len(list) != 2 {
		t.Fatalf("got %d messages, want 2", len(list))
	}
	if !bytes.Equal(list[0].ID, first.ID) || !bytes.Equal(list[1].ID, second.ID) {
		t.Errorf("messages not in id order")
	}
	if list[0].Seq != 1 || list[1].Seq != 2 {
		t.Errorf("got sequences %d and %d, want 1 and 2 in commit order", list[0].Seq, list[1].Seq)
	}
	second.Seq = 2
	if fmt.Sprint(list[1]) != fmt.Sprint(second) {
		t.Errorf("got %+v, want %+v", list[1], second)
	}
	if n, _ := s.CountMessages(in.ID); n != 2 {
		t.Errorf("got count %d, want 2", n)
	}

	var read [][]byte
	err = s.ReadChunks(in.ID, second.ID, func(index uint32, sealed []byte) error {
		if int(index) != len(read) {
			t.Errorf("got index %d, want %d", index, len(read))
		}
		read = append(read, bytes.Clone(sealed))
		return nil
	})
	if err != nil {
		t.Fatalf("ReadChunks: %v", err)
	}
	if fmt.Sprint(read) != fmt.Sprint(chunks) {
		t.Errorf("read chunks differ from the stored ones")
	}
}

func TestStore_SetSeen(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Hour))
	m, _ := addTestMessage(t, s, in.ID, 1, 1)

	if err := s.SetSeen(in.ID, m.ID); err != nil {
		t.Fatalf("SetSeen: %v", err)
	}
	got, err := s.Message(in.ID, m.ID)
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	if !got.Seen {
		t.Errorf("got seen false, want true")
	}
	if err := s.SetSeen(in.ID, randomBytes(t, 16)); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("unknown message: got %v, want ErrMessageNotFound", err)
	}
}

func TestStore_DeleteMessage(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Hour))
	kept, _ := addTestMessage(t, s, in.ID, 1, 2)
	deleted, _ := addTestMessage(t, s, in.ID, 2, 3)

	if err := s.DeleteMessage(in.ID, deleted.ID); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if _, err := s.Message(in.ID, deleted.ID); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("Message after delete: got %v, want ErrMessageNotFound", err)
	}
	if err := s.DeleteMessage(in.ID, deleted.ID); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("second delete: got %v, want ErrMessageNotFound", err)
	}
	if got := countChunks(t, s, in.ID); got != 2 {
		t.Errorf("got %d chunks left, want the 2 of the kept message", got)
	}
	if _, err := s.Message(in.ID, kept.ID); err != nil {
		t.Errorf("kept message: %v", err)
	}
}

func TestStore_MessagesOfOtherInbox(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	a := createTestInbox(t, s, testNow.Add(time.Hour))
	b := createTestInbox(t, s, testNow.Add(time.Hour))
	m, _ := addTestMessage(t, s, a.ID, 1, 1)

	if _, err := s.Message(b.ID, m.ID); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("Message: got %v, want ErrMessageNotFound", err)
	}
	if err := s.DeleteMessage(b.ID, m.ID); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("DeleteMessage: got %v, want ErrMessageNotFound", err)
	}
	err := s.ReadChunks(b.ID, m.ID, func(uint32, []byte) error { return nil })
	if !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("ReadChunks: got %v, want ErrMessageNotFound", err)
	}
}

func TestAddMessage_InboxGoneOrExpired(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	expiresAt := testNow.Add(time.Minute)
	in := createTestInbox(t, s, expiresAt)
	m, chunks := newTestMessage(t, 1, 1)

	if err := s.AddMessage(in.ID, expiresAt, m, chunks); !errors.Is(err, ErrNotFound) {
		t.Errorf("at expiry: got %v, want ErrNotFound", err)
	}
	if err := s.AddMessage(randomBytes(t, 16), testNow, m, chunks); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown inbox: got %v, want ErrNotFound", err)
	}
	if err := s.AddMessage(in.ID, testNow, m, chunks[:0]); err == nil {
		t.Errorf("chunk count mismatch: got no error, want one")
	}
}

func TestStore_ConcurrentAddMessage(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Hour))

	const workers = 20
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		m, chunks := newTestMessage(t, uint64(i), 2)
		wg.Go(func() { errs <- s.AddMessage(in.ID, testNow, m, chunks) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("AddMessage: %v", err)
		}
	}

	if n, _ := s.CountMessages(in.ID); n != workers {
		t.Errorf("got %d messages, want %d", n, workers)
	}
	if got := countChunks(t, s, in.ID); got != 2*workers {
		t.Errorf("got %d chunks, want %d", got, 2*workers)
	}
}

func TestUpdateInbox_MovesExpiry(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Minute))
	later := testNow.Add(time.Hour)

	err := s.UpdateInbox(in.ID, func(u *Inbox) error {
		u.ExpiresAt = later
		u.Epoch = 7
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateInbox: %v", err)
	}
	got, err := s.Inbox(in.ID)
	if err != nil {
		t.Fatalf("Inbox: %v", err)
	}
	if !got.ExpiresAt.Equal(later) || got.Epoch != 7 {
		t.Errorf("got expiry %v epoch %d, want %v and 7", got.ExpiresAt, got.Epoch, later)
	}
	if keys := expiryEntries(t, s); len(keys) != 1 || !bytes.Equal(keys[0], expiryKey(later, in.ID)) {
		t.Errorf("got expiry entries %x, want only the new one", keys)
	}

	ids, err := s.DeleteExpired(testNow.Add(30*time.Minute), 10)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if len(ids) != 0 {
		t.Errorf("extended inbox was deleted at its old expiry")
	}
}

func TestUpdateInbox_Rejects(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Minute))
	errAbort := errors.New("abort")

	tests := []struct {
		name   string
		id     []byte
		update func(*Inbox) error
		want   error
	}{
		{"unknown inbox", randomBytes(t, 16), func(*Inbox) error { return nil }, ErrNotFound},
		{"update error", in.ID, func(*Inbox) error { return errAbort }, errAbort},
		{"changed token hash", in.ID, func(u *Inbox) error { u.TokenHash = randomBytes(t, 32); return nil }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.UpdateInbox(tt.id, tt.update)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	got, err := s.Inbox(in.ID)
	if err != nil {
		t.Fatalf("Inbox: %v", err)
	}
	assertInboxEqual(t, got, in)
}

func TestDeleteInbox_RemovesEverything(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Hour))
	addTestMessage(t, s, in.ID, 1, 3)
	addTestMessage(t, s, in.ID, 2, 1)

	if err := s.DeleteInbox(in.ID); err != nil {
		t.Fatalf("DeleteInbox: %v", err)
	}
	assertStoreEmpty(t, s)
	if err := s.DeleteInbox(in.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
}

func TestDeleteInbox_KeepsOthers(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	gone := createTestInbox(t, s, testNow.Add(time.Hour))
	kept := createTestInbox(t, s, testNow.Add(time.Hour))
	addTestMessage(t, s, gone.ID, 1, 2)
	m, _ := addTestMessage(t, s, kept.ID, 1, 2)

	if err := s.DeleteInbox(gone.ID); err != nil {
		t.Fatalf("DeleteInbox: %v", err)
	}
	if _, err := s.InboxByAddress(kept.AddressHash); err != nil {
		t.Errorf("kept inbox: %v", err)
	}
	if _, err := s.Message(kept.ID, m.ID); err != nil {
		t.Errorf("kept message: %v", err)
	}
	if got := countChunks(t, s, kept.ID); got != 2 {
		t.Errorf("got %d chunks, want 2", got)
	}
}

func TestDeleteExpired(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	var expired [][]byte
	for i := range 5 {
		in := createTestInbox(t, s, testNow.Add(time.Duration(i-5)*time.Minute))
		m, chunks := newTestMessage(t, 1, 2)
		if err := s.AddMessage(in.ID, testNow.Add(-time.Hour), m, chunks); err != nil {
			t.Fatalf("AddMessage: %v", err)
		}
		expired = append(expired, in.ID)
	}
	atNow := createTestInbox(t, s, testNow)
	live := createTestInbox(t, s, testNow.Add(time.Nanosecond))

	first, err := s.DeleteExpired(testNow, 4)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if len(first) != 4 {
		t.Fatalf("got %d deleted, want 4 (the limit)", len(first))
	}
	for i, id := range first {
		if !bytes.Equal(id, expired[i]) {
			t.Errorf("deleted #%d is not the %d-th to expire", i, i)
		}
	}

	rest, err := s.DeleteExpired(testNow, 4)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if len(rest) != 2 {
		t.Errorf("got %d deleted, want 2", len(rest))
	}
	if _, err := s.Inbox(atNow.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("inbox expiring at now: got %v, want ErrNotFound", err)
	}
	if _, err := s.Inbox(live.ID); err != nil {
		t.Errorf("live inbox: %v", err)
	}
}

func TestDeleteExpired_NothingExpiredWritesNothing(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	createTestInbox(t, s, testNow.Add(time.Hour))
	before := txID(t, s)

	ids, err := s.DeleteExpired(testNow, 10)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if len(ids) != 0 {
		t.Errorf("got %d deleted, want 0", len(ids))
	}
	if after := txID(t, s); after != before {
		t.Errorf("got transaction id %d, want %d: a write transaction ran", after, before)
	}
}

func TestDeleteExpired_CorruptRecord(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(-time.Minute))
	err := s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketInboxes).Put(in.ID, []byte{recordVersion, 0xff})
	})
	if err != nil {
		t.Fatalf("corrupt record: %v", err)
	}

	ids, err := s.DeleteExpired(testNow, 10)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if len(ids) != 1 {
		t.Errorf("got %d deleted, want 1", len(ids))
	}
	if _, err := s.InboxByToken(in.TokenHash); !errors.Is(err, ErrNotFound) {
		t.Errorf("InboxByToken: got %v, want ErrNotFound", err)
	}
}

func TestStore_Reopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, testEpochKeys(t, dir))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	in := createTestInbox(t, s, testNow.Add(time.Hour))
	m, _ := addTestMessage(t, s, in.ID, 1, 1)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	reopened := openTestStore(t, dir)
	got, err := reopened.Inbox(in.ID)
	if err != nil {
		t.Fatalf("Inbox: %v", err)
	}
	assertInboxEqual(t, got, in)
	if _, err := reopened.Message(in.ID, m.ID); err != nil {
		t.Errorf("Message: %v", err)
	}
}

func TestDecode_CorruptRecords(t *testing.T) {
	in := newTestInbox(t, testNow)
	inboxRecord := encodeInbox(in)
	m, _ := newTestMessage(t, 1, 1)
	messageRecord := encodeMessage(m)

	tests := []struct {
		name   string
		record []byte
		decode func([]byte) error
	}{
		{"inbox empty", nil, decodeInboxErr},
		{"inbox unknown version", append([]byte{2}, inboxRecord[1:]...), decodeInboxErr},
		{"inbox truncated", inboxRecord[:len(inboxRecord)-1], decodeInboxErr},
		{"inbox trailing byte", append(bytes.Clone(inboxRecord), 0), decodeInboxErr},
		{"message truncated", messageRecord[:len(messageRecord)-1], decodeMessageErr},
		{"message invalid flag", withByte(messageRecord, len(messageRecord)-10, 2), decodeMessageErr},
		{"message huge length", []byte{recordVersion, 0xff, 0xff, 0xff, 0xff, 0x0f}, decodeMessageErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.decode(tt.record); !errors.Is(err, ErrCorruptRecord) {
				t.Errorf("got %v, want ErrCorruptRecord", err)
			}
		})
	}
}

func decodeInboxErr(record []byte) error {
	_, err := decodeInbox(record)
	return err
}

func decodeMessageErr(record []byte) error {
	_, err := decodeMessage([]byte("id"), record)
	return err
}

func countChunks(t *testing.T, s *Store, inboxID []byte) int {
	t.Helper()
	n := 0
	err := s.db.View(func(tx *bbolt.Tx) error {
		if _, chunks := mailbox(tx, inboxID); chunks != nil {
			n = chunks.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		t.Fatalf("count chunks: %v", err)
	}
	return n
}

func expiryEntries(t *testing.T, s *Store) [][]byte {
	t.Helper()
	var keys [][]byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketExpiry).ForEach(func(k, _ []byte) error {
			keys = append(keys, bytes.Clone(k))
			return nil
		})
	})
	if err != nil {
		t.Fatalf("read expiry bucket: %v", err)
	}
	return keys
}

func assertStoreEmpty(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketInboxes, bucketExpiry, bucketMessages} {
			if n := tx.Bucket(name).Stats().KeyN; n != 0 {
				t.Errorf("bucket %s: got %d keys, want 0", name, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("view: %v", err)
	}
	s.index.mu.RLock()
	defer s.index.mu.RUnlock()
	if n, m := len(s.index.byToken), len(s.index.byAddress); n != 0 || m != 0 {
		t.Errorf("index: got %d token and %d address entries, want none", n, m)
	}
}

func txID(t *testing.T, s *Store) int {
	t.Helper()
	var id int
	err := s.db.View(func(tx *bbolt.Tx) error {
		id = tx.ID()
		return nil
	})
	if err != nil {
		t.Fatalf("view: %v", err)
	}
	return id
}

// withByte returns a copy of b with b[i] set to v.
func withByte(b []byte, i int, v byte) []byte {
	out := bytes.Clone(b)
	out[i] = v
	return out
}
