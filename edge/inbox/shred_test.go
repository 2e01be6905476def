package inbox_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

// largeBody is larger than the inline limit, so it goes to a body file.
const largeBody = store.DefaultInlineMax + 10<<10

// onDisk is what a copy of the data directory holds of one inbox, still
// under the epoch layer.
type onDisk struct {
	record store.Inbox
	parts  []store.SealedPart
}

// readOnDisk closes the service, reads the inbox's record and sealed parts
// through package store, and reopens the service.
func readOnDisk(t *testing.T, h *harness, inboxID []byte) onDisk {
	t.Helper()
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	var got onDisk
	editStore(t, h.dir, func(s *store.Store) {
		var err error
		if got.record, err = s.Inbox(inboxID); err != nil {
			t.Fatalf("Inbox: %v", err)
		}
		if got.parts, err = s.SealedParts(inboxID); err != nil {
			t.Fatalf("SealedParts: %v", err)
		}
	})
	h.open()
	return got
}

// epochAAD is the additional data of an inbox record's field under the
// epoch layer, as package inbox builds it.
func epochAAD(id []byte, field string) []byte {
	return append(append([]byte(field), 0), id...)
}

// openedBy returns how many of the blobs the keys of the key file open,
// trying every key on every blob.
func openedBy(t *testing.T, keys *seal.EpochKeys, d onDisk) int {
	t.Helper()
	opened := 0
	for _, epoch := range keys.Epochs() {
		for _, p := range d.parts {
			key, err := keys.MessageKey(epoch, d.record.ID, p.MessageID)
			if err != nil {
				t.Fatalf("MessageKey: %v", err)
			}
			if _, err := key.AppendOpen(nil, p.Part, p.Index, p.Sealed); err == nil {
				opened++
			}
		}
		fields := map[string][]byte{"private key": d.record.WrappedPrivateKey, "address": d.record.SealedAddress}
		for field, sealed := range fields {
			if _, err := keys.Open(epoch, sealed, epochAAD(d.record.ID, field)); err == nil {
				opened++
			}
		}
	}
	return opened
}

func loadKeyFile(t *testing.T, dir string) *seal.EpochKeys {
	t.Helper()
	keys, err := seal.LoadEpochKeys(dir, time.Hour)
	if err != nil {
		t.Fatalf("LoadEpochKeys: %v", err)
	}
	return keys
}

func TestCryptoShredding_EndedEpochOpensNothing(t *testing.T) {
	h := &harness{t: t, dir: t.TempDir(), clock: newTestClock(), logs: &logBuffer{}, epochWindow: time.Second}
	h.open()
	t.Cleanup(func() { _ = h.svc.Close() })

	shortAddress, longAddress := uniqueAddress(t), uniqueAddress(t)
	short := h.create(shortAddress, time.Second)
	h.create(longAddress, time.Hour)
	h.deliver(shortAddress, "small", randomBody(t, 4<<10))
	h.deliver(shortAddress, "large", randomBody(t, largeBody))
	h.deliver(longAddress, "other", randomBody(t, 4<<10))
	shortID := decodeID(t, short.ID)

	before := readOnDisk(t, h, shortID)
	if len(before.parts) < 2*2+2 {
		t.Fatalf("got %d sealed parts, want at least 6", len(before.parts))
	}
	// Control: while the epoch lives, the key file opens every blob.
	want := len(before.parts) + 2
	if got := openedBy(t, loadKeyFile(t, h.dir), before); got != want {
		t.Fatalf("before expiry: got %d blobs opened, want %d", got, want)
	}

	h.clock.Advance(2 * time.Second)
	if _, err := h.svc.Sweep(context.Background()); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	keys := loadKeyFile(t, h.dir)
	if keys.Has(before.record.Epoch) {
		t.Errorf("key file still has epoch %d of the expired inbox", before.record.Epoch)
	}
	if keys.Len() == 0 {
		t.Fatalf("got no keys left, want the live inbox's key to try")
	}
	if got := openedBy(t, keys, before); got != 0 {
		t.Errorf("after the sweep: got %d blobs opened, want 0", got)
	}

	// Free pages of the bbolt file may still hold the blobs: count those
	// found, which the keys above failed to open all the same.
	raw, err := os.ReadFile(filepath.Join(h.dir, store.FileName))
	if err != nil {
		t.Fatalf("read store file: %v", err)
	}
	found := 0
	for _, p := range before.parts {
		if len(p.Sealed) >= 32 && bytes.Contains(raw, p.Sealed[:32]) {
			found++
		}
	}
	t.Logf("%d of %d sealed parts still in the raw store file, none opens", found, len(before.parts))
	if files := bodyFiles(t, h.dir); len(files) != 0 {
		t.Errorf("got body files %v, want none", files)
	}
	h.open()
}

func TestOperator_CannotReadWithoutToken(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, time.Hour)
	h.deliver(address, "secret subject", randomBody(t, 4<<10))
	h.deliver(address, "large", randomBody(t, largeBody))
	d := readOnDisk(t, h, decodeID(t, created.ID))
	keys := loadKeyFile(t, h.dir)
	id := d.record.ID

	// The operator holds the key file, so the epoch layer opens.
	wrapped, err := keys.Open(d.record.Epoch, d.record.WrappedPrivateKey, epochAAD(id, "private key"))
	if err != nil {
		t.Fatalf("open epoch layer of private key: %v", err)
	}
	sealedAddress, err := keys.Open(d.record.Epoch, d.record.SealedAddress, epochAAD(id, "address"))
	if err != nil {
		t.Fatalf("open epoch layer of address: %v", err)
	}

	// Without the token, a guessed one opens nothing.
	guess, err := seal.NewToken("k3")
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}
	if _, err := seal.UnwrapPrivateKey(guess, id, wrapped); !errors.Is(err, seal.ErrDecrypt) {
		t.Errorf("private key: got %v, want ErrDecrypt", err)
	}
	if _, err := seal.OpenAddress(guess, id, sealedAddress); !errors.Is(err, seal.ErrDecrypt) {
		t.Errorf("address: got %v, want ErrDecrypt", err)
	}

	// A private key of the operator's own making opens no message.
	_, ownWrapped, err := seal.NewInboxKeyPair(guess, id)
	if err != nil {
		t.Fatalf("NewInboxKeyPair: %v", err)
	}
	ownKey, err := seal.UnwrapPrivateKey(guess, id, ownWrapped)
	if err != nil {
		t.Fatalf("UnwrapPrivateKey: %v", err)
	}
	messages := 0
	for _, p := range d.parts {
		if p.Part != seal.EpochPartEnc {
			continue
		}
		messages++
		meta := findPart(t, d.parts, p.MessageID, seal.EpochPartMeta, 0)
		opener, err := openEpochPart(t, keys, id, p)
		if err != nil {
			t.Fatalf("open epoch layer of encapsulation: %v", err)
		}
		sealedMeta, err := openEpochPart(t, keys, id, meta)
		if err != nil {
			t.Fatalf("open epoch layer of metadata: %v", err)
		}
		msg, err := seal.OpenMessage(ownKey, opener, p.MessageID)
		if err != nil {
			continue
		}
		if _, err := msg.OpenMeta(sealedMeta); !errors.Is(err, seal.ErrDecrypt) {
			t.Errorf("metadata: got %v, want ErrDecrypt", err)
		}
		chunk := findPart(t, d.parts, p.MessageID, seal.EpochPartChunk, 0)
		sealedChunk, err := openEpochPart(t, keys, id, chunk)
		if err != nil {
			t.Fatalf("open epoch layer of chunk: %v", err)
		}
		if _, err := msg.OpenChunk(0, sealedChunk); !errors.Is(err, seal.ErrDecrypt) {
			if _, err := msg.OpenLastChunk(0, sealedChunk); !errors.Is(err, seal.ErrDecrypt) {
				t.Errorf("chunk: got %v, want ErrDecrypt", err)
			}
		}
	}
	if messages != 2 {
		t.Errorf("got %d messages on disk, want 2", messages)
	}
}

func openEpochPart(t *testing.T, keys *seal.EpochKeys, inboxID []byte, p store.SealedPart) ([]byte, error) {
	t.Helper()
	key, err := keys.MessageKey(p.Epoch, inboxID, p.MessageID)
	if err != nil {
		t.Fatalf("MessageKey: %v", err)
	}
	return key.AppendOpen(nil, p.Part, p.Index, p.Sealed)
}

func findPart(t *testing.T, parts []store.SealedPart, messageID []byte, part seal.EpochPart, index uint32) store.SealedPart {
	t.Helper()
	for _, p := range parts {
		if bytes.Equal(p.MessageID, messageID) && p.Part == part && p.Index == index {
			return p
		}
	}
	t.Fatalf("no part %d index %d of message %x", part, index, messageID)
	return store.SealedPart{}
}

func TestExtend_MovesMessagesToLaterEpoch(t *testing.T) {
	h := &harness{t: t, dir: t.TempDir(), clock: newTestClock(), logs: &logBuffer{}, epochWindow: time.Second}
	h.open()
	t.Cleanup(func() { _ = h.svc.Close() })
	ctx := context.Background()

	address := uniqueAddress(t)
	created := h.create(address, 2*time.Second)
	small, large := randomBody(t, 4<<10), randomBody(t, largeBody)
	h.deliver(address, "small", small)
	h.deliver(address, "large", large)
	oldEpoch := readOnDisk(t, h, decodeID(t, created.ID)).record.Epoch

	if _, err := h.authenticate(created.Token).Extend(ctx, time.Hour); err != nil {
		t.Fatalf("Extend: %v", err)
	}
	after := readOnDisk(t, h, decodeID(t, created.ID))
	for _, p := range after.parts {
		if p.Epoch != after.record.Epoch {
			t.Errorf("part %d of message %x: got epoch %d, want %d", p.Part, p.MessageID, p.Epoch, after.record.Epoch)
		}
	}
	files := bodyFiles(t, h.dir)
	if len(files) != 1 || !strings.HasSuffix(files[0], "-"+strconv.FormatInt(after.record.Epoch, 10)) {
		t.Errorf("got body files %v, want one of epoch %d", files, after.record.Epoch)
	}

	// The old epoch ends and its key is destroyed; the messages stay.
	h.clock.Advance(3 * time.Second)
	if _, err := h.svc.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if loadKeyFile(t, h.dir).Has(oldEpoch) {
		t.Fatalf("key file still has the old epoch %d", oldEpoch)
	}
	h.open()

	a := h.authenticate(created.Token)
	summaries, err := a.Messages(ctx)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	want := map[string][]byte{"small": small, "large": large}
	if len(summaries) != len(want) {
		t.Fatalf("got %d messages, want %d", len(summaries), len(want))
	}
	for _, m := range summaries {
		_, raw, err := a.Message(ctx, m.ID)
		if err != nil {
			t.Fatalf("Message %s: %v", m.Subject, err)
		}
		if !bytes.Equal(raw, want[m.Subject]) {
			t.Errorf("message %s: got %d bytes, want the %d delivered", m.Subject, len(raw), len(want[m.Subject]))
		}
	}
}

func TestOpen_LostKeyFile(t *testing.T) {
	tests := []struct {
		name string
		lose func(path string) error
	}{
		{"deleted", os.Remove},
		{"unreadable", func(path string) error { return os.WriteFile(path, []byte("garbage"), 0o600) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			address := uniqueAddress(t)
			created := h.create(address, time.Hour)
			h.create(uniqueAddress(t), time.Hour)
			h.deliver(address, "large", randomBody(t, largeBody))
			if err := h.svc.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := tt.lose(filepath.Join(h.dir, seal.EpochKeysFile)); err != nil {
				t.Fatalf("lose key file: %v", err)
			}

			h.open()
			lines := 0
			for line := range strings.Lines(h.logs.String()) {
				if strings.Contains(line, "epoch key file missing or unreadable") {
					lines++
					if !strings.Contains(line, "inboxes_removed=2") {
						t.Errorf("got line %q, want inboxes_removed=2", line)
					}
					if strings.Contains(line, created.ID) || strings.Contains(line, address) {
						t.Errorf("line %q names the inbox", line)
					}
				}
			}
			if lines != 1 {
				t.Errorf("got %d log lines about the key file, want 1", lines)
			}
			if n, err := h.svc.Count(context.Background()); err != nil || n != 0 {
				t.Errorf("got %d inboxes, %v, want 0", n, err)
			}
			if files := bodyFolders(t, h.dir); len(files) != 0 {
				t.Errorf("got body folders %v, want none", files)
			}
			if _, err := h.svc.Authenticate(context.Background(), created.Token); !errors.Is(err, inbox.ErrUnauthorized) {
				t.Errorf("old token: got %v, want ErrUnauthorized", err)
			}
			// The address is free again.
			h.create(address, time.Hour)
		})
	}
}

// TestExtend_DuringTransferMovesMessageToo extends an inbox into a later
// epoch while a message streams in under the earlier one: the message must
// follow the inbox, or it would be lost when the earlier key is destroyed.
func TestExtend_DuringTransferMovesMessageToo(t *testing.T) {
	for _, size := range []int{4 << 10, largeBody} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			h := &harness{t: t, dir: t.TempDir(), clock: newTestClock(), logs: &logBuffer{}, epochWindow: time.Second}
			h.open()
			t.Cleanup(func() { _ = h.svc.Close() })
			ctx := context.Background()

			address := uniqueAddress(t)
			created := h.create(address, 2*time.Second)
			body := randomBody(t, size)
			env := inbox.Envelope{From: "bounce@sender.test", ReceivedAt: h.clock.Now()}
			d, err := h.svc.BeginDelivery(ctx, env, []inbox.DeliveryRecipient{{Address: address, Original: address}})
			if err != nil {
				t.Fatalf("BeginDelivery: %v", err)
			}
			if _, err := d.Write(body[:size/2]); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if _, err := h.authenticate(created.Token).Extend(ctx, time.Hour); err != nil {
				t.Fatalf("Extend: %v", err)
			}
			if _, err := d.Write(body[size/2:]); err != nil {
				t.Fatalf("Write: %v", err)
			}
			if _, err := d.Commit(ctx, inbox.MessageMeta{Subject: "during extend"}); err != nil {
				t.Fatalf("Commit: %v", err)
			}

			h.clock.Advance(3 * time.Second)
			if _, err := h.svc.Sweep(ctx); err != nil {
				t.Fatalf("Sweep: %v", err)
			}
			a := h.authenticate(created.Token)
			summaries, err := a.Messages(ctx)
			if err != nil || len(summaries) != 1 {
				t.Fatalf("Messages: %d, %v; want the one delivered", len(summaries), err)
			}
			_, raw, err := a.Message(ctx, summaries[0].ID)
			if err != nil || !bytes.Equal(raw, body) {
				t.Errorf("message after the old epoch ended: %d bytes, %v; want the %d delivered", len(raw), err, len(body))
			}
		})
	}
}
