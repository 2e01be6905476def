package inbox_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

func TestService_TamperingFailsToRead(t *testing.T) {
	tests := []struct {
		name string
		// change edits the stored message through package store.
		change func(t *testing.T, s *store.Store, inboxID []byte, m store.Message)
		// metaDamaged is whether listing fails too, not only reading.
		metaDamaged bool
	}{
		{"flipped chunk byte", func(t *testing.T, s *store.Store, inboxID []byte, m store.Message) {
			chunk := storedChunk(t, s, inboxID, m.ID, 1)
			chunk[len(chunk)/2] ^= 0x01
			putChunk(t, s, inboxID, m.ID, 1, chunk)
		}, false},
		{"flipped meta byte", func(t *testing.T, s *store.Store, inboxID []byte, m store.Message) {
			m.SealedMeta[len(m.SealedMeta)/2] ^= 0x01
			putMessage(t, s, inboxID, m)
		}, true},
		{"chunks swapped", func(t *testing.T, s *store.Store, inboxID []byte, m store.Message) {
			first, second := storedChunk(t, s, inboxID, m.ID, 0), storedChunk(t, s, inboxID, m.ID, 1)
			putChunk(t, s, inboxID, m.ID, 0, second)
			putChunk(t, s, inboxID, m.ID, 1, first)
		}, false},
		{"truncated by chunk count", func(t *testing.T, s *store.Store, inboxID []byte, m store.Message) {
			m.Chunks--
			putMessage(t, s, inboxID, m)
		}, false},
		{"chunk count raised", func(t *testing.T, s *store.Store, inboxID []byte, m store.Message) {
			m.Chunks++
			putMessage(t, s, inboxID, m)
		}, false},
		{"chunk appended", func(t *testing.T, s *store.Store, inboxID []byte, m store.Message) {
			putChunk(t, s, inboxID, m.ID, m.Chunks, storedChunk(t, s, inboxID, m.ID, 0))
		}, false},
		{"flipped encapsulation byte", func(t *testing.T, s *store.Store, inboxID []byte, m store.Message) {
			m.Enc[10] ^= 0x01
			putMessage(t, s, inboxID, m)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			address := uniqueAddress(t)
			created := h.create(address, time.Hour)
			body := randomBody(t, 3*seal.ChunkSize)
			messageID := h.deliver(address, "tampered", body)
			if err := h.svc.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			editStore(t, h.dir, func(s *store.Store) {
				inboxID, msgID := decodeID(t, created.ID), decodeID(t, messageID)
				m, err := s.Message(inboxID, msgID)
				if err != nil {
					t.Fatalf("Message: %v", err)
				}
				tt.change(t, s, inboxID, m)
			})

			h.open()
			a := h.authenticate(created.Token)
			_, raw, err := a.Message(context.Background(), messageID)
			if err == nil {
				t.Fatalf("Message: got no error, want one")
			}
			if raw != nil {
				t.Errorf("got %d bytes with the error, want none", len(raw))
			}
			if errors.Is(err, inbox.ErrMessageNotFound) || errors.Is(err, inbox.ErrUnauthorized) {
				t.Errorf("got %v, want an error that is neither not found nor unauthorized", err)
			}
			// A record whose metadata does not open is left out of the
			// listing, which still works for the rest of the inbox.
			listed, listErr := a.Messages(context.Background())
			if listErr != nil {
				t.Fatalf("Messages: got %v, want the listing to work", listErr)
			}
			if tt.metaDamaged && len(listed) != 0 {
				t.Errorf("Messages: got %d messages, want the damaged one left out", len(listed))
			}
			if !tt.metaDamaged && len(listed) != 1 {
				t.Errorf("Messages: got %d messages, want the one whose metadata opens", len(listed))
			}
		})
	}
}

func TestService_TamperedChunkIsDecryptError(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, time.Hour)
	messageID := h.deliver(address, "s", []byte("short body"))
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	editStore(t, h.dir, func(s *store.Store) {
		inboxID, msgID := decodeID(t, created.ID), decodeID(t, messageID)
		chunk := storedChunk(t, s, inboxID, msgID, 0)
		chunk[0] ^= 0x80
		putChunk(t, s, inboxID, msgID, 0, chunk)
	})

	h.open()
	_, _, err := h.authenticate(created.Token).Message(context.Background(), messageID)
	if !errors.Is(err, seal.ErrDecrypt) {
		t.Errorf("got %v, want seal.ErrDecrypt", err)
	}
}

func editStore(t *testing.T, dir string, edit func(s *store.Store)) {
	t.Helper()
	keys, err := seal.LoadEpochKeys(dir, time.Hour)
	if err != nil {
		t.Fatalf("LoadEpochKeys: %v", err)
	}
	s, err := store.Open(dir, keys)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	defer s.Close()
	edit(s)
}

func storedChunk(t *testing.T, s *store.Store, inboxID, messageID []byte, index uint32) []byte {
	t.Helper()
	var chunk []byte
	err := s.ReadChunks(inboxID, messageID, func(i uint32, sealed []byte) error {
		if i == index {
			chunk = bytes.Clone(sealed)
		}
		return nil
	})
	if err != nil || chunk == nil {
		t.Fatalf("read chunk %d: got %v, found %v", index, err, chunk != nil)
	}
	return chunk
}

func putChunk(t *testing.T, s *store.Store, inboxID, messageID []byte, index uint32, sealed []byte) {
	t.Helper()
	if err := s.PutChunk(inboxID, messageID, index, sealed); err != nil {
		t.Fatalf("PutChunk: %v", err)
	}
}

func putMessage(t *testing.T, s *store.Store, inboxID []byte, m store.Message) {
	t.Helper()
	if err := s.PutMessage(inboxID, m); err != nil {
		t.Fatalf("PutMessage: %v", err)
	}
}

// decodeID decodes an inbox or message id from its lowercase base32hex
// text, as package inbox encodes it.
func decodeID(t *testing.T, id string) []byte {
	t.Helper()
	raw, err := idEncoding.DecodeString(id)
	if err != nil || len(raw) != 16 {
		t.Fatalf("decode id %q: %v", id, err)
	}
	return raw
}

func TestAuthenticate_TamperedInboxRecord(t *testing.T) {
	h := newHarness(t)
	created := h.create(uniqueAddress(t), time.Hour)
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	editStore(t, h.dir, func(s *store.Store) {
		err := s.UpdateInbox(decodeID(t, created.ID), func(in *store.Inbox) error {
			in.WrappedPrivateKey[len(in.WrappedPrivateKey)-1] ^= 0x01
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateInbox: %v", err)
		}
	})

	h.open()
	_, err := h.svc.Authenticate(context.Background(), created.Token)
	if !errors.Is(err, seal.ErrDecrypt) {
		t.Errorf("got %v, want seal.ErrDecrypt: a damaged inbox is a server error, not a bad token", err)
	}
}
