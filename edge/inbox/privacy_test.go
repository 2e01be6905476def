package inbox_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

// secretMessage delivers a message whose every plaintext part carries a
// unique marker and returns the inbox and the strings that must not leak.
func secretMessage(t *testing.T, h *harness) (inbox.Created, []string) {
	t.Helper()
	marker := "MARKER" + randomHex(t, 12)
	address := "secret." + randomHex(t, 8) + "@mayfly.test"
	created := h.create(address, time.Hour)

	env := inbox.Envelope{From: "from-" + marker + "@sender.test", Recipient: address}
	meta := inbox.MessageMeta{From: "Header " + marker, Subject: "Subject " + marker}
	body := []byte("Subject: " + marker + "\r\n\r\nBody " + marker + "\r\n")
	if _, err := h.svc.Deliver(context.Background(), address, env, meta, body); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	return created, []string{marker, address, strings.Split(address, "@")[0], created.Token, created.Token[seal.OwnerCodeLength:]}
}

func TestService_EncryptionAtRest(t *testing.T) {
	h := newHarness(t)
	created, secrets := secretMessage(t, h)
	a := h.authenticate(created.Token)
	list, err := a.Messages(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("Messages: got %d, %v, want 1 message", len(list), err)
	}
	if err := a.MarkSeen(context.Background(), list[0].ID); err != nil {
		t.Fatalf("MarkSeen: %v", err)
	}
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	files := 0
	err = filepath.WalkDir(h.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s contains %q in plaintext", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", h.dir, err)
	}
	if files < 3 {
		t.Errorf("scanned %d files, want at least the store, the node key and the epoch keys", files)
	}
}

func TestService_LogsNoSecrets(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	created, secrets := secretMessage(t, h)
	a := h.authenticate(created.Token)
	list, err := a.Messages(ctx)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if _, err := a.Extend(ctx, 2*time.Hour); err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if err := a.DeleteMessage(ctx, list[0].ID); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if _, err := h.svc.Authenticate(ctx, created.Token[:10]); err == nil {
		t.Fatalf("Authenticate with a malformed token: got no error")
	}
	if err := a.Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}

	logs := h.logs.String()
	if !strings.Contains(logs, created.ID) {
		t.Errorf("logs do not name the inbox id %s: the check below would prove nothing", created.ID)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q", s)
		}
	}
}

// TestService_BackupUnreadableAfterEpochEnds restores a store file copied
// while the inbox was live, after the epoch key of its expiry was
// destroyed. The token no longer opens it, even with the clock set back.
func TestService_BackupUnreadableAfterEpochEnds(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	address := uniqueAddress(t)
	created := h.create(address, 10*time.Minute)
	h.deliver(address, "s", []byte("body"))
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	dbPath := filepath.Join(h.dir, store.FileName)
	backup, err := os.ReadFile(dbPath)
	if err != nil {
		t.Fatalf("read store: %v", err)
	}

	h.open()
	h.clock.Advance(10*time.Minute + seal.DefaultEpochWindow)
	if n, err := h.svc.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("Sweep: got %d, %v, want 1 deleted", n, err)
	}
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	if err := os.WriteFile(dbPath, backup, 0o600); err != nil {
		t.Fatalf("restore store: %v", err)
	}
	h.clock.Set(testStart)
	h.open()
	if _, err := h.svc.Authenticate(ctx, created.Token); !errors.Is(err, inbox.ErrUnauthorized) {
		t.Errorf("Authenticate on the restored backup: got %v, want ErrUnauthorized", err)
	}
}
