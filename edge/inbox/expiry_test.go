package inbox_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

func TestService_ExpiryWithClock(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	address := uniqueAddress(t)
	created := h.create(address, 5*time.Minute)
	messageID := h.deliver(address, "s", []byte("body"))
	a := h.authenticate(created.Token)

	h.clock.Set(created.ExpiresAt.Add(-time.Nanosecond))
	if ok, err := h.svc.Accepts(ctx, address); err != nil || !ok {
		t.Errorf("Accepts just before expiry: got %v, %v, want true", ok, err)
	}
	if _, err := h.svc.Authenticate(ctx, created.Token); err != nil {
		t.Errorf("Authenticate just before expiry: %v", err)
	}

	h.clock.Set(created.ExpiresAt)
	if ok, err := h.svc.Accepts(ctx, address); err != nil || ok {
		t.Errorf("Accepts at expiry: got %v, %v, want false", ok, err)
	}
	if _, err := h.svc.Authenticate(ctx, created.Token); !errors.Is(err, inbox.ErrUnauthorized) {
		t.Errorf("Authenticate at expiry: got %v, want ErrUnauthorized", err)
	}
	if _, err := h.svc.Deliver(ctx, address, inbox.Envelope{}, inbox.MessageMeta{}, []byte("late")); !errors.Is(err, inbox.ErrNoInbox) {
		t.Errorf("Deliver at expiry: got %v, want ErrNoInbox", err)
	}

	// An Access obtained before the expiry stops working at it too.
	calls := map[string]func() error{
		"Info":          func() error { _, err := a.Info(ctx); return err },
		"Messages":      func() error { _, err := a.Messages(ctx); return err },
		"Message":       func() error { _, _, err := a.Message(ctx, messageID); return err },
		"MarkSeen":      func() error { return a.MarkSeen(ctx, messageID) },
		"DeleteMessage": func() error { return a.DeleteMessage(ctx, messageID) },
		"Extend":        func() error { _, err := a.Extend(ctx, time.Hour); return err },
		"Delete":        func() error { return a.Delete(ctx) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, inbox.ErrUnauthorized) {
			t.Errorf("%s at expiry: got %v, want ErrUnauthorized", name, err)
		}
	}
}

func TestSweep_RemovesEverything(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var expiring []inbox.Created
	for _, ttl := range []time.Duration{time.Minute, 2 * time.Hour, 30 * time.Hour} {
		address := uniqueAddress(t)
		c := h.create(address, ttl)
		h.deliver(address, "s", randomBody(t, seal.ChunkSize+1))
		expiring = append(expiring, c)
	}

	h.clock.Advance(2 * time.Hour)
	if n, err := h.svc.Sweep(ctx); err != nil || n != 2 {
		t.Fatalf("Sweep: got %d, %v, want 2 deleted", n, err)
	}
	if _, err := h.svc.Authenticate(ctx, expiring[2].Token); err != nil {
		t.Errorf("inbox not yet expired: %v", err)
	}

	h.clock.Advance(28 * time.Hour)
	if n, err := h.svc.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("Sweep: got %d, %v, want 1 deleted", n, err)
	}
	// An epoch key outlives the inboxes of its epoch by up to EpochLength.
	h.clock.Advance(seal.DefaultEpochWindow)
	if n, err := h.svc.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("second Sweep: got %d, %v, want 0 deleted", n, err)
	}
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	assertBucketsEmpty(t, filepath.Join(h.dir, store.FileName))
	assertNoEpochKeys(t, h.dir)
}

func TestRun_SweepsUntilCancelled(t *testing.T) {
	h := newHarness(t)
	created := h.create(uniqueAddress(t), time.Minute)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		h.svc.Run(ctx)
		close(done)
	}()
	h.clock.Advance(time.Minute)

	waitFor(t, 5*time.Second, "the sweeper to delete the expired inbox", func() bool {
		stored, err := h.svc.InboxStored(created.ID)
		return err == nil && !stored
	})
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("Run did not return after the context was cancelled")
	}
}

// assertBucketsEmpty opens the closed store file with bbolt itself and
// checks that every bucket has no keys left.
func assertBucketsEmpty(t *testing.T, path string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()

	err = db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			if n := b.Stats().KeyN; n != 0 {
				t.Errorf("bucket %s: got %d keys, want 0", name, n)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatalf("view: %v", err)
	}
}

func assertNoEpochKeys(t *testing.T, dir string) {
	t.Helper()
	keys, err := seal.LoadEpochKeys(dir, time.Hour)
	if err != nil {
		t.Fatalf("LoadEpochKeys: %v", err)
	}
	if n := keys.Len(); n != 0 {
		t.Errorf("got %d epoch keys after every inbox expired, want 0", n)
	}
	if _, err := os.Stat(filepath.Join(dir, seal.EpochKeysFile)); err != nil {
		t.Errorf("epoch key file: %v", err)
	}
}
