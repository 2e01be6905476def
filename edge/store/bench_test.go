package store

import (
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// benchInboxes makes n inbox records with sizes of real ones: a 1,216-byte
// hybrid public key, a wrapped private key and a sealed address. Ids
// begin with a counter, as real ids begin with the creation time.
func benchInboxes(b *testing.B, n int) []Inbox {
	b.Helper()
	inboxes := make([]Inbox, n)
	for i := range inboxes {
		in := newTestInbox(b, testNow.Add(time.Hour))
		binary.BigEndian.PutUint64(in.ID, uint64(i))
		inboxes[i] = in
	}
	return inboxes
}

// BenchmarkCreateInbox stores inboxes one after another, each in a commit
// of its own with its fsync.
func BenchmarkCreateInbox(b *testing.B) {
	s := openTestStore(b, b.TempDir())
	inboxes := benchInboxes(b, b.N)

	b.ResetTimer()
	for i := range b.N {
		if err := s.CreateInbox(inboxes[i]); err != nil {
			b.Fatalf("CreateInbox: %v", err)
		}
	}
}

// BenchmarkCreateInbox_Parallel stores inboxes from 16 goroutines, which
// share commits.
func BenchmarkCreateInbox_Parallel(b *testing.B) {
	s := openTestStore(b, b.TempDir())
	inboxes := benchInboxes(b, b.N)
	var next atomic.Int64

	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.CreateInbox(inboxes[next.Add(1)-1]); err != nil {
				b.Errorf("CreateInbox: %v", err)
				return
			}
		}
	})
}

// BenchmarkInboxByToken looks inboxes up by token hash among 10,000.
func BenchmarkInboxByToken(b *testing.B) {
	s := openTestStore(b, b.TempDir())
	inboxes := benchInboxes(b, 10000)
	for _, in := range inboxes {
		if err := s.CreateInbox(in); err != nil {
			b.Fatalf("CreateInbox: %v", err)
		}
	}

	b.ResetTimer()
	for i := range b.N {
		if _, err := s.InboxByToken(inboxes[i%len(inboxes)].TokenHash); err != nil {
			b.Fatalf("InboxByToken: %v", err)
		}
	}
}

// BenchmarkAddMessage_4KiB_Parallel stores messages of one 4 KiB chunk
// into one inbox from 16 goroutines, which share commits.
func BenchmarkAddMessage_4KiB_Parallel(b *testing.B) {
	s := openTestStore(b, b.TempDir())
	in := createTestInbox(b, s, testNow.Add(time.Hour))
	chunk := [][]byte{randomBytes(b, 4096)}
	var sequence atomic.Uint64

	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m, _ := newTestMessage(b, sequence.Add(1), 0)
			m.Chunks = 1
			if err := s.AddMessage(in.ID, testNow, m, chunk); err != nil {
				b.Errorf("AddMessage: %v", err)
				return
			}
		}
	})
}

// BenchmarkMessages lists an inbox of 20 messages.
func BenchmarkMessages(b *testing.B) {
	s := openTestStore(b, b.TempDir())
	in := createTestInbox(b, s, testNow.Add(time.Hour))
	for i := range 20 {
		addTestMessage(b, s, in.ID, uint64(i+1), 1)
	}

	b.ResetTimer()
	for range b.N {
		msgs, err := s.Messages(in.ID)
		if err != nil || len(msgs) != 20 {
			b.Fatalf("Messages: %d messages, %v; want 20", len(msgs), err)
		}
	}
}

// BenchmarkOpen_100kInboxes opens a store of 100,000 inboxes, which
// builds the token and address index from their records.
func BenchmarkOpen_100kInboxes(b *testing.B) {
	dir := b.TempDir()
	s := openTestStore(b, dir)
	err := s.db.Update(func(tx *bbolt.Tx) error {
		for range 100000 {
			if err := putInbox(tx, newTestInbox(b, testNow.Add(time.Hour))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("fill: %v", err)
	}
	if err := s.Close(); err != nil {
		b.Fatalf("Close: %v", err)
	}
	epochs := testEpochKeys(b, dir)

	b.ResetTimer()
	for range b.N {
		s, err := Open(dir, epochs)
		if err != nil {
			b.Fatalf("Open: %v", err)
		}
		if err := s.Close(); err != nil {
			b.Fatalf("Close: %v", err)
		}
	}
}
