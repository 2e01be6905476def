package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEpochOf_Boundaries(t *testing.T) {
	base := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		expiresAt time.Time
		wantEnd   time.Time
	}{
		{"on the hour", base, base},
		{"one nanosecond after", base.Add(time.Nanosecond), base.Add(time.Hour)},
		{"one nanosecond before", base.Add(-time.Nanosecond), base},
		{"Unix epoch", time.Unix(0, 0), time.Unix(0, 0)},
		{"before Unix epoch", time.Unix(0, -1), time.Unix(0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			end := EpochEnd(NewEpochKeys(time.Hour).EpochOf(tt.expiresAt))
			if !end.Equal(tt.wantEnd) {
				t.Errorf("got end %v, want %v", end, tt.wantEnd)
			}
			if end.Before(tt.expiresAt) {
				t.Errorf("epoch ends at %v, before the expiry %v", end, tt.expiresAt)
			}
		})
	}
}

func TestEpochKeys_PersistAndReload(t *testing.T) {
	dir := t.TempDir()
	keys, err := LoadEpochKeys(dir, time.Hour)
	if err != nil {
		t.Fatalf("LoadEpochKeys: %v", err)
	}
	const epoch = 500000
	if err := keys.Ensure(epoch); err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	sealed, err := keys.Seal(epoch, []byte("secret"), []byte("aad"))
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}

	reloaded, err := LoadEpochKeys(dir, time.Hour)
	if err != nil {
		t.Fatalf("LoadEpochKeys again: %v", err)
	}
	got, err := reloaded.Open(epoch, sealed, []byte("aad"))
	if err != nil {
		t.Fatalf("Open after reload: %v", err)
	}
	if string(got) != "secret" {
		t.Errorf("got %q, want secret", got)
	}
	if _, err := reloaded.Open(epoch, sealed, []byte("other")); !errors.Is(err, ErrDecrypt) {
		t.Errorf("other aad: got %v, want ErrDecrypt", err)
	}

	info, err := os.Stat(filepath.Join(dir, EpochKeysFile))
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("got mode %v, want 0600", got)
	}
	assertNoTempFiles(t, dir)
}

func TestEpochKeys_DestroyEnded(t *testing.T) {
	dir := t.TempDir()
	keys, err := LoadEpochKeys(dir, time.Hour)
	if err != nil {
		t.Fatalf("LoadEpochKeys: %v", err)
	}
	now := time.Date(2030, 1, 1, 12, 30, 0, 0, time.UTC)
	ended := keys.EpochOf(now) - int64(time.Hour)
	current := keys.EpochOf(now)
	for _, e := range []int64{ended, current} {
		if err := keys.Ensure(e); err != nil {
			t.Fatalf("Ensure(%d): %v", e, err)
		}
	}
	sealed, err := keys.Seal(ended, []byte("secret"), nil)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	endedKey, _ := keys.key(ended)

	n, err := keys.DestroyEnded(now)
	if err != nil {
		t.Fatalf("DestroyEnded: %v", err)
	}
	if n != 1 {
		t.Errorf("got %d destroyed, want 1", n)
	}
	if _, err := keys.Open(ended, sealed, nil); !errors.Is(err, ErrEpochKeyNotFound) {
		t.Errorf("open after destroy: got %v, want ErrEpochKeyNotFound", err)
	}
	if _, err := keys.Seal(current, []byte("x"), nil); err != nil {
		t.Errorf("current epoch: %v", err)
	}

	data, err := os.ReadFile(filepath.Join(dir, EpochKeysFile))
	if err != nil {
		t.Fatalf("read file: %v", err)
	}
	if bytes.Contains(data, endedKey) {
		t.Errorf("file still contains the destroyed key")
	}
	reloaded, err := LoadEpochKeys(dir, time.Hour)
	if err != nil {
		t.Fatalf("LoadEpochKeys: %v", err)
	}
	if got := reloaded.Len(); got != 1 {
		t.Errorf("got %d keys after reload, want 1", got)
	}
}

func TestEpochKeys_EndsExactlyAtEpochEnd(t *testing.T) {
	keys := NewEpochKeys(time.Hour)
	end := time.Date(2030, 1, 1, 13, 0, 0, 0, time.UTC)
	epoch := keys.EpochOf(end)
	if err := keys.Ensure(epoch); err != nil {
		t.Fatalf("Ensure: %v", err)
	}

	if n, _ := keys.DestroyEnded(end.Add(-time.Nanosecond)); n != 0 {
		t.Errorf("before the end: got %d destroyed, want 0", n)
	}
	if n, _ := keys.DestroyEnded(end); n != 1 {
		t.Errorf("at the end: got %d destroyed, want 1", n)
	}
}

func TestLoadEpochKeys_Corrupt(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"unknown version", []byte{9}},
		{"truncated entry", append([]byte{epochKeysVersion}, make([]byte, epochEntrySize-1)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, EpochKeysFile), tt.data, 0o600); err != nil {
				t.Fatalf("write: %v", err)
			}
			if _, err := LoadEpochKeys(dir, time.Hour); !errors.Is(err, ErrEpochKeysUnreadable) {
				t.Errorf("got %v, want ErrEpochKeysUnreadable", err)
			}
		})
	}
}

func TestEpochKeys_WindowNamesEpochByEnd(t *testing.T) {
	keys := NewEpochKeys(time.Second)
	expiresAt := time.Unix(100, 1)
	if got, want := EpochEnd(keys.EpochOf(expiresAt)), time.Unix(101, 0); !got.Equal(want) {
		t.Errorf("got end %v, want %v", got, want)
	}
	if got := NewEpochKeys(0).Window(); got != DefaultEpochWindow {
		t.Errorf("got window %v, want %v", got, DefaultEpochWindow)
	}
}

func TestEpochMessageKey_SealOpen(t *testing.T) {
	keys := NewEpochKeys(time.Hour)
	const epoch = int64(time.Hour)
	if err := keys.Ensure(epoch); err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	key, err := keys.MessageKey(epoch, []byte("inbox"), []byte("message"))
	if err != nil {
		t.Fatalf("MessageKey: %v", err)
	}
	sealed := key.AppendSeal(nil, EpochPartChunk, 3, []byte("chunk"))
	if got := len(sealed) - len("chunk"); got != EpochOverhead {
		t.Errorf("got overhead %d, want %d", got, EpochOverhead)
	}
	got, err := key.AppendOpen(nil, EpochPartChunk, 3, sealed)
	if err != nil || string(got) != "chunk" {
		t.Fatalf("open: got %q, %v, want chunk", got, err)
	}

	other, err := keys.MessageKey(epoch, []byte("inbox"), []byte("message2"))
	if err != nil {
		t.Fatalf("MessageKey: %v", err)
	}
	tests := []struct {
		name  string
		key   *EpochMessageKey
		part  EpochPart
		index uint32
	}{
		{"other index", key, EpochPartChunk, 4},
		{"other part", key, EpochPartMeta, 3},
		{"other message", other, EpochPartChunk, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.key.AppendOpen(nil, tt.part, tt.index, sealed); !errors.Is(err, ErrDecrypt) {
				t.Errorf("got %v, want ErrDecrypt", err)
			}
		})
	}

	if _, err := keys.DestroyEnded(EpochEnd(epoch)); err != nil {
		t.Fatalf("DestroyEnded: %v", err)
	}
	if _, err := keys.MessageKey(epoch, []byte("inbox"), []byte("message")); !errors.Is(err, ErrEpochKeyNotFound) {
		t.Errorf("after destroy: got %v, want ErrEpochKeyNotFound", err)
	}
}
