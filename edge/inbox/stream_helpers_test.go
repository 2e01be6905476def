package inbox_test

import (
	"context"
	"crypto/sha256"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/store"
)

// writeSize is the size of most writes into a delivery. It is prime, so
// writes straddle chunk boundaries in every way.
const writeSize = 10007

// bodySource generates a reproducible pseudo-random body of a given size
// without holding it in memory.
type bodySource struct {
	rng  *rand.ChaCha8
	left int64
}

func newBodySource(seed byte, size int64) *bodySource {
	return &bodySource{rng: rand.NewChaCha8([32]byte{seed}), left: size}
}

func (s *bodySource) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.left)]
	n, _ := s.rng.Read(p)
	s.left -= int64(n)
	return n, nil
}

// bodyHash returns the SHA-256 of the body that newBodySource(seed, size)
// generates.
func bodyHash(t testing.TB, seed byte, size int64) [sha256.Size]byte {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, newBodySource(seed, size)); err != nil {
		t.Fatalf("hash body: %v", err)
	}
	return [sha256.Size]byte(h.Sum(nil))
}

// streamBody writes src into d in writes of writeSize bytes through one
// reused buffer.
func streamBody(t testing.TB, d *inbox.Delivery, src io.Reader) {
	t.Helper()
	buf := make([]byte, writeSize)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := d.Write(buf[:n]); werr != nil {
				t.Fatalf("Write: %v", werr)
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("read body source: %v", err)
		}
	}
}

func (h *harness) begin(rcpts ...inbox.DeliveryRecipient) *inbox.Delivery {
	h.t.Helper()
	env := inbox.Envelope{From: "bounce@sender.test", ReceivedAt: h.clock.Now()}
	d, err := h.svc.BeginDelivery(context.Background(), env, rcpts)
	if err != nil {
		h.t.Fatalf("BeginDelivery: %v", err)
	}
	return d
}

func recipient(address string) inbox.DeliveryRecipient {
	return inbox.DeliveryRecipient{Address: address, Original: address}
}

func commit(t testing.TB, d *inbox.Delivery, subject string) int {
	t.Helper()
	n, err := d.Commit(context.Background(), inbox.MessageMeta{From: "sender@sender.test", Subject: subject})
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return n
}

// onlyMessage returns the summary of the inbox's one message.
func onlyMessage(t testing.TB, a *inbox.Access) inbox.MessageSummary {
	t.Helper()
	list, err := a.Messages(context.Background())
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if len(list) != 1 {
		t.Fatalf("got %d messages, want 1", len(list))
	}
	return list[0]
}

// readHash streams the message through OpenMessage and returns the SHA-256
// and size of what it reads.
func readHash(t testing.TB, a *inbox.Access, id string) ([sha256.Size]byte, int64) {
	t.Helper()
	_, body, err := a.OpenMessage(context.Background(), id)
	if err != nil {
		t.Fatalf("OpenMessage: %v", err)
	}
	defer body.Close()
	h := sha256.New()
	n, err := io.Copy(h, body)
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	return [sha256.Size]byte(h.Sum(nil)), n
}

// bodyFiles returns the paths of every file under the body directory.
func bodyFiles(t testing.TB, dataDir string) []string {
	t.Helper()
	var files []string
	root := filepath.Join(dataDir, store.BodiesDirName)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatalf("walk %s: %v", root, err)
	}
	return files
}

// bodyFolders returns the names of the inbox folders in the body directory.
func bodyFolders(t testing.TB, dataDir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dataDir, store.BodiesDirName))
	if err != nil {
		t.Fatalf("read body directory: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
