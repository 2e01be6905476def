package inbox_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/inbox"
)

func TestBodyFiles_RemovedWithInbox(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	deleted, expiring := uniqueAddress(t), uniqueAddress(t)
	deletedInbox := h.create(deleted, time.Hour)
	h.create(expiring, time.Minute)
	for _, address := range []string{deleted, expiring} {
		for seed := range byte(2) {
			d := h.begin(recipient(address))
			streamBody(t, d, newBodySource(seed, 1<<20))
			commit(t, d, "large")
		}
	}
	if files := bodyFiles(t, h.dir); len(files) != 4 {
		t.Fatalf("got %d body files, want 4", len(files))
	}

	if err := h.authenticate(deletedInbox.Token).Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if files := bodyFiles(t, h.dir); len(files) != 2 {
		t.Errorf("after Delete: got %d body files, want the 2 of the other inbox", len(files))
	}

	h.clock.Advance(time.Minute)
	if n, err := h.svc.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("Sweep: got %d, %v, want 1 deleted", n, err)
	}
	if files := bodyFiles(t, h.dir); len(files) != 0 {
		t.Errorf("after Sweep: got body files %v, want none", files)
	}
	if folders := bodyFolders(t, h.dir); len(folders) != 0 {
		t.Errorf("after Sweep: got inbox folders %v, want none", folders)
	}
}

func TestBodyFiles_RemovedWithMessage(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, time.Hour)
	d := h.begin(recipient(address))
	streamBody(t, d, newBodySource(1, 1<<20))
	commit(t, d, "large")

	a := h.authenticate(created.Token)
	if err := a.DeleteMessage(context.Background(), onlyMessage(t, a).ID); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if files := bodyFiles(t, h.dir); len(files) != 0 {
		t.Errorf("got body files %v, want none", files)
	}
}

// TestBodyFiles_NoPlaintext delivers a large message whose every part
// carries a marker and scans every file of the data directory for it.
func TestBodyFiles_NoPlaintext(t *testing.T) {
	h := newHarness(t)
	marker := "MARKER" + randomHex(t, 12)
	address := "secret." + randomHex(t, 8) + "@mayfly.test"
	created := h.create(address, time.Hour)
	line := []byte("Body line " + marker + "\r\n")
	body := bytes.Repeat(line, (1<<20)/len(line))

	env := inbox.Envelope{From: "from-" + marker + "@sender.test"}
	d, err := h.svc.BeginDelivery(context.Background(), env, []inbox.DeliveryRecipient{{Address: address, Original: "tag-" + marker}})
	if err != nil {
		t.Fatalf("BeginDelivery: %v", err)
	}
	if _, err := d.Write(body); err != nil {
		t.Fatalf("Write: %v", err)
	}
	meta := inbox.MessageMeta{From: "Header " + marker, Subject: "Subject " + marker}
	if _, err := d.Commit(context.Background(), meta); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	secrets := []string{marker, address, strings.Split(address, "@")[0], created.Token}
	scanned := 0
	err = filepath.WalkDir(h.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		scanned++
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
	if files := bodyFiles(t, h.dir); len(files) != 1 {
		t.Errorf("got %d body files, want 1: the check above would not cover a body file", len(files))
	}
	if scanned < 4 {
		t.Errorf("scanned %d files, want the store, the keys and the body file", scanned)
	}
}

// TestBodyFiles_CrashLeavesNoMessage closes the service in the middle of a
// delivery, as a crash would stop it: the body file is written but nothing
// is committed. The next Open removes the file, and a committed message
// next to it survives.
func TestBodyFiles_CrashLeavesNoMessage(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, time.Hour)

	committed := h.begin(recipient(address))
	streamBody(t, committed, newBodySource(1, 1<<20))
	commit(t, committed, "committed")

	interrupted := h.begin(recipient(address))
	t.Cleanup(interrupted.Abort)
	streamBody(t, interrupted, newBodySource(2, 2<<20))
	if files := bodyFiles(t, h.dir); len(files) != 2 {
		t.Fatalf("got %d body files before the crash, want 2", len(files))
	}
	h.restart()

	a := h.authenticate(created.Token)
	summary := onlyMessage(t, a)
	if summary.Subject != "committed" {
		t.Errorf("got subject %q, want the committed message", summary.Subject)
	}
	if got, _ := readHash(t, a, summary.ID); got != bodyHash(t, 1, 1<<20) {
		t.Errorf("committed message: read body differs from the one delivered")
	}
	if files := bodyFiles(t, h.dir); len(files) != 1 {
		t.Errorf("got %d body files after reopening, want only the committed one", len(files))
	}
}

func flipByte(t testing.TB, path string, offset int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, offset); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, offset); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}
