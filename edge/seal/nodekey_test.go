package seal

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreateNodeKey_CreatesPrivateFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreateNodeKey(dir); err != nil {
		t.Fatalf("LoadOrCreateNodeKey: %v", err)
	}

	info, err := os.Stat(filepath.Join(dir, NodeKeyFile))
	if err != nil {
		t.Fatalf("stat node key: %v", err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("got mode %v, want 0600", got)
	}
	if got := info.Size(); got != nodeKeySize {
		t.Errorf("got size %d, want %d", got, nodeKeySize)
	}
	assertNoTempFiles(t, dir)
}

func TestLoadOrCreateNodeKey_ReloadsSameKey(t *testing.T) {
	dir := t.TempDir()
	first, err := LoadOrCreateNodeKey(dir)
	if err != nil {
		t.Fatalf("LoadOrCreateNodeKey: %v", err)
	}
	second, err := LoadOrCreateNodeKey(dir)
	if err != nil {
		t.Fatalf("LoadOrCreateNodeKey again: %v", err)
	}
	tok := mustToken(t)

	if !bytes.Equal(first.TokenHash(tok), second.TokenHash(tok)) {
		t.Errorf("token hash changed after reload")
	}
	if !bytes.Equal(first.AddressHash("a@mayfly.test"), second.AddressHash("a@mayfly.test")) {
		t.Errorf("address hash changed after reload")
	}
}

func TestLoadOrCreateNodeKey_WrongSize(t *testing.T) {
	for _, size := range []int{0, 16, 33} {
		dir := t.TempDir()
		path := filepath.Join(dir, NodeKeyFile)
		if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
			t.Fatalf("write node key: %v", err)
		}

		_, err := LoadOrCreateNodeKey(dir)
		if err == nil {
			t.Fatalf("size %d: got no error, want one", size)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("size %d: got %q, want the file name %s in it", size, err, path)
		}
		data, _ := os.ReadFile(path)
		if len(data) != size {
			t.Errorf("size %d: file was replaced", size)
		}
	}
}

func TestNodeKey_HashesAreKeyedAndSeparate(t *testing.T) {
	a, err := LoadOrCreateNodeKey(t.TempDir())
	if err != nil {
		t.Fatalf("LoadOrCreateNodeKey: %v", err)
	}
	b, err := LoadOrCreateNodeKey(t.TempDir())
	if err != nil {
		t.Fatalf("LoadOrCreateNodeKey: %v", err)
	}
	tok := mustToken(t)

	if bytes.Equal(a.TokenHash(tok), b.TokenHash(tok)) {
		t.Errorf("two node keys give the same token hash")
	}
	if bytes.Equal(a.AddressHash("x@mayfly.test"), a.AddressHash("y@mayfly.test")) {
		t.Errorf("two addresses give the same hash")
	}
	if bytes.Equal(a.TokenHash(tok), a.AddressHash(string(tok.secret[:]))) {
		t.Errorf("token hash equals the address hash of the same bytes")
	}
	if got := len(a.TokenHash(tok)); got != 32 {
		t.Errorf("got token hash length %d, want 32", got)
	}
}

func mustToken(t *testing.T) Token {
	t.Helper()
	tok, err := NewToken("ab")
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}
	return tok
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read dir: %v", err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
