package inbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

func TestDelivery_RoundTripSizes(t *testing.T) {
	tests := []struct {
		name string
		size int64
	}{
		{"empty", 0},
		{"one byte", 1},
		{"chunk minus one", seal.ChunkSize - 1},
		{"one chunk", seal.ChunkSize},
		{"chunk plus one", seal.ChunkSize + 1},
		{"3 MiB", 3 << 20},
		{"25 MiB", 25 << 20},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			address := uniqueAddress(t)
			created := h.create(address, time.Hour)
			seed := byte(i)

			d := h.begin(recipient(address))
			streamBody(t, d, newBodySource(seed, tt.size))
			if n := commit(t, d, tt.name); n != 1 {
				t.Fatalf("Commit: got %d copies, want 1", n)
			}

			a := h.authenticate(created.Token)
			summary := onlyMessage(t, a)
			if summary.Size != tt.size || summary.Subject != tt.name || summary.Recipient != address {
				t.Errorf("got size %d, subject %q, recipient %q, want %d, %q, %q", summary.Size, summary.Subject, summary.Recipient, tt.size, tt.name, address)
			}
			got, n := readHash(t, a, summary.ID)
			if n != tt.size {
				t.Errorf("read %d bytes, want %d", n, tt.size)
			}
			if got != bodyHash(t, seed, tt.size) {
				t.Errorf("read body differs from the one delivered")
			}

			// Bodies over the inline limit go to a file, the others stay in
			// the database.
			wantFiles := 0
			if tt.size > store.DefaultInlineMax {
				wantFiles = 1
			}
			if files := bodyFiles(t, h.dir); len(files) != wantFiles {
				t.Errorf("got %d body files, want %d", len(files), wantFiles)
			}
		})
	}
}

func TestMessage_ReadsStreamedDelivery(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, time.Hour)
	body := randomBody(t, 300<<10)

	d := h.begin(recipient(address))
	for part := range slices.Chunk(body, 777) {
		if _, err := d.Write(part); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	commit(t, d, "in a file")

	a := h.authenticate(created.Token)
	_, raw, err := a.Message(context.Background(), onlyMessage(t, a).ID)
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	if !bytes.Equal(raw, body) {
		t.Errorf("got %d bytes, want the %d delivered", len(raw), len(body))
	}
}

func TestDelivery_MultipleRecipients(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	addresses := []string{uniqueAddress(t), uniqueAddress(t), uniqueAddress(t)}
	var inboxes []inbox.Created
	for _, address := range addresses {
		inboxes = append(inboxes, h.create(address, time.Hour))
	}
	const size = 600 << 10

	rcpts := []inbox.DeliveryRecipient{
		{Address: addresses[0], Original: "First+Tag@mayfly.test"},
		recipient(addresses[1]),
		recipient(uniqueAddress(t)), // no inbox
		recipient(addresses[2]),
		{Address: addresses[0], Original: "second tag of the first inbox"},
	}
	d := h.begin(rcpts...)
	streamBody(t, d, newBodySource(7, size))
	if n := commit(t, d, "to three"); n != 3 {
		t.Fatalf("Commit: got %d copies, want 3 (one per inbox)", n)
	}

	want := bodyHash(t, 7, size)
	// An inbox named twice is listed with the first recipient naming it.
	wantRecipients := []string{rcpts[0].Original, rcpts[1].Original, rcpts[3].Original}
	var ids []string
	for i, created := range inboxes {
		a := h.authenticate(created.Token)
		summary := onlyMessage(t, a)
		if summary.Recipient != wantRecipients[i] {
			t.Errorf("inbox %d: got recipient %q, want %q", i, summary.Recipient, wantRecipients[i])
		}
		if got, _ := readHash(t, a, summary.ID); got != want {
			t.Errorf("inbox %d: read body differs from the one delivered", i)
		}
		ids = append(ids, summary.ID)
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
		t.Errorf("got message ids %v, want one per copy", ids)
	}

	// Each copy opens only with its own inbox's token.
	for i, created := range inboxes {
		a := h.authenticate(created.Token)
		other := ids[(i+1)%len(ids)]
		if _, _, err := a.OpenMessage(ctx, other); !errors.Is(err, inbox.ErrMessageNotFound) {
			t.Errorf("inbox %d opening another inbox's copy: got %v, want ErrMessageNotFound", i, err)
		}
	}
	if files := bodyFiles(t, h.dir); len(files) != 3 {
		t.Errorf("got %d body files, want one per copy", len(files))
	}
}

// TestDelivery_CopiesAreSealedSeparately checks that a copy moved into
// another inbox's place does not open with that inbox's key.
func TestDelivery_CopiesAreSealedSeparately(t *testing.T) {
	h := newHarness(t)
	first, second := uniqueAddress(t), uniqueAddress(t)
	a := h.create(first, time.Hour)
	b := h.create(second, time.Hour)
	d := h.begin(recipient(first), recipient(second))
	streamBody(t, d, newBodySource(1, 1000))
	commit(t, d, "two copies")
	idA := onlyMessage(t, h.authenticate(a.Token)).ID
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// Put the record of the first inbox's copy into the second inbox.
	editStore(t, h.dir, func(s *store.Store) {
		m, err := s.Message(decodeID(t, a.ID), decodeID(t, idA))
		if err != nil {
			t.Fatalf("Message: %v", err)
		}
		var chunks [][]byte
		err = s.ReadChunks(decodeID(t, a.ID), m.ID, func(_ uint32, sealed []byte) error {
			chunks = append(chunks, bytes.Clone(sealed))
			return nil
		})
		if err != nil {
			t.Fatalf("ReadChunks: %v", err)
		}
		if err := s.AddMessage(decodeID(t, b.ID), testStart, m, chunks); err != nil {
			t.Fatalf("AddMessage: %v", err)
		}
	})

	h.open()
	if _, _, err := h.authenticate(b.Token).OpenMessage(context.Background(), idA); err == nil {
		t.Errorf("OpenMessage of a moved copy: got no error, want one")
	}
}

func TestDelivery_AbortLeavesNothing(t *testing.T) {
	for _, size := range []int64{100, 2 << 20} {
		h := newHarness(t)
		address := uniqueAddress(t)
		created := h.create(address, time.Hour)

		d := h.begin(recipient(address))
		streamBody(t, d, newBodySource(3, size))
		d.Abort()
		d.Abort()

		list, err := h.authenticate(created.Token).Messages(context.Background())
		if err != nil || len(list) != 0 {
			t.Errorf("size %d: got %d messages, %v, want none", size, len(list), err)
		}
		if files := bodyFiles(t, h.dir); len(files) != 0 {
			t.Errorf("size %d: got body files %v after Abort, want none", size, files)
		}
		if _, err := d.Write([]byte("late")); err == nil {
			t.Errorf("size %d: Write after Abort: got no error, want one", size)
		}
		if _, err := d.Commit(context.Background(), inbox.MessageMeta{}); err == nil {
			t.Errorf("size %d: Commit after Abort: got no error, want one", size)
		}
	}
}

func TestDelivery_AbortAfterCommitKeepsMessage(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, time.Hour)

	d := h.begin(recipient(address))
	streamBody(t, d, newBodySource(4, 1<<20))
	commit(t, d, "kept")
	d.Abort()

	a := h.authenticate(created.Token)
	if got, _ := readHash(t, a, onlyMessage(t, a).ID); got != bodyHash(t, 4, 1<<20) {
		t.Errorf("read body differs from the one delivered")
	}
	if _, err := d.Commit(context.Background(), inbox.MessageMeta{}); err == nil {
		t.Errorf("second Commit: got no error, want one")
	}
}

func TestDelivery_InboxExpiresBeforeCommit(t *testing.T) {
	h := newHarness(t)
	shortLived, longLived := uniqueAddress(t), uniqueAddress(t)
	h.create(shortLived, time.Minute)
	kept := h.create(longLived, time.Hour)

	d := h.begin(recipient(shortLived), recipient(longLived))
	streamBody(t, d, newBodySource(5, 1<<20))
	h.clock.Advance(time.Minute)
	if n := commit(t, d, "late"); n != 1 {
		t.Errorf("Commit: got %d copies, want 1 (the expired inbox skipped)", n)
	}
	onlyMessage(t, h.authenticate(kept.Token))
	if files := bodyFiles(t, h.dir); len(files) != 1 {
		t.Errorf("got %d body files, want 1: the skipped copy's file must go", len(files))
	}

	alone := h.begin(recipient(longLived))
	streamBody(t, alone, newBodySource(5, 10))
	h.clock.Advance(time.Hour)
	if _, err := alone.Commit(context.Background(), inbox.MessageMeta{}); !errors.Is(err, inbox.ErrNoInbox) {
		t.Errorf("Commit with every inbox expired: got %v, want ErrNoInbox", err)
	}
}

func TestDelivery_NoLiveInbox(t *testing.T) {
	h := newHarness(t)
	d := h.begin(recipient(uniqueAddress(t)))
	streamBody(t, d, newBodySource(6, 3*seal.ChunkSize))
	if _, err := d.Commit(context.Background(), inbox.MessageMeta{}); !errors.Is(err, inbox.ErrNoInbox) {
		t.Errorf("got %v, want ErrNoInbox", err)
	}
	if files := bodyFiles(t, h.dir); len(files) != 0 {
		t.Errorf("got body files %v, want none", files)
	}
}

func TestDelivery_CancelledContext(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	if _, err := h.svc.BeginDelivery(ctx, inbox.Envelope{}, []inbox.DeliveryRecipient{recipient(address)}); !errors.Is(err, context.Canceled) {
		t.Errorf("BeginDelivery: got %v, want context.Canceled", err)
	}
	d := h.begin(recipient(address))
	streamBody(t, d, newBodySource(8, 1<<20))
	if _, err := d.Commit(ctx, inbox.MessageMeta{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit: got %v, want context.Canceled", err)
	}
	list, err := h.authenticate(created.Token).Messages(context.Background())
	if err != nil || len(list) != 0 {
		t.Errorf("got %d messages, %v, want none", len(list), err)
	}
	if files := bodyFiles(t, h.dir); len(files) != 0 {
		t.Errorf("got body files %v, want none", files)
	}
}

func TestOpenMessage_DetectsDamagedBodyFile(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, time.Hour)
	d := h.begin(recipient(address))
	streamBody(t, d, newBodySource(9, 1<<20))
	commit(t, d, "damaged")

	files := bodyFiles(t, h.dir)
	if len(files) != 1 {
		t.Fatalf("got %d body files, want 1", len(files))
	}
	flipByte(t, files[0], 700<<10)

	a := h.authenticate(created.Token)
	_, body, err := a.OpenMessage(context.Background(), onlyMessage(t, a).ID)
	if err != nil {
		t.Fatalf("OpenMessage: %v", err)
	}
	defer body.Close()
	n, err := io.Copy(io.Discard, body)
	if !errors.Is(err, seal.ErrDecrypt) {
		t.Errorf("got %v, want seal.ErrDecrypt", err)
	}
	if n > 700<<10 {
		t.Errorf("read %d bytes, want the damaged chunk and what follows withheld", n)
	}
}
