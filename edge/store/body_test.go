package store

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// largeChunks returns chunks that add up to more than DefaultInlineMax.
func largeChunks(t *testing.T) [][]byte {
	t.Helper()
	chunks := make([][]byte, 5)
	for i := range chunks {
		chunks[i] = randomBytes(t, 64<<10+16)
	}
	return chunks
}

// writeTestBody writes chunks into a new body writer.
func writeTestBody(t *testing.T, s *Store, inboxID, messageID []byte, chunks [][]byte) *BodyWriter {
	t.Helper()
	w, err := s.NewBodyWriter(inboxID, messageID, testEpoch, DefaultInlineMax)
	if err != nil {
		t.Fatalf("NewBodyWriter: %v", err)
	}
	for _, c := range chunks {
		if err := w.WriteChunk(c); err != nil {
			t.Fatalf("WriteChunk: %v", err)
		}
	}
	return w
}

func readAllChunks(t *testing.T, s *Store, inboxID, messageID []byte) [][]byte {
	t.Helper()
	var chunks [][]byte
	err := s.ReadChunks(inboxID, messageID, func(index uint32, sealed []byte) error {
		if int(index) != len(chunks) {
			t.Errorf("got index %d, want %d", index, len(chunks))
		}
		chunks = append(chunks, bytes.Clone(sealed))
		return nil
	})
	if err != nil {
		t.Fatalf("ReadChunks: %v", err)
	}
	return chunks
}

// storedFiles returns the paths of every file under the body directory,
// relative to it.
func storedFiles(t *testing.T, dir string) []string {
	t.Helper()
	root := filepath.Join(dir, BodiesDirName)
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		files = append(files, rel)
		return err
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return files
}

func testBodyFileName(inboxID, messageID []byte) string {
	return filepath.Join(hex.EncodeToString(inboxID), bodyFileName(messageID, testEpoch))
}

func TestAddMessage_BodyPlacement(t *testing.T) {
	tests := []struct {
		name     string
		chunks   func(t *testing.T) [][]byte
		wantFile bool
	}{
		{"one small chunk", func(t *testing.T) [][]byte { return [][]byte{randomBytes(t, 100)} }, false},
		{"exactly the inline limit", func(t *testing.T) [][]byte { return [][]byte{randomBytes(t, DefaultInlineMax-seal.EpochOverhead)} }, false},
		{"over the inline limit", largeChunks, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTestStore(t, dir)
			in := createTestInbox(t, s, testNow.Add(time.Hour))
			m, _ := newTestMessage(t, 1, 0)
			chunks := tt.chunks(t)
			m.Chunks = uint32(len(chunks))
			if err := s.AddMessage(in.ID, testNow, m, chunks); err != nil {
				t.Fatalf("AddMessage: %v", err)
			}

			got, err := s.Message(in.ID, m.ID)
			if err != nil {
				t.Fatalf("Message: %v", err)
			}
			if got.BodyInFile != tt.wantFile || got.Chunks != uint32(len(chunks)) {
				t.Errorf("got in file %v, %d chunks, want %v, %d", got.BodyInFile, got.Chunks, tt.wantFile, len(chunks))
			}
			var wantFiles []string
			if tt.wantFile {
				wantFiles = []string{testBodyFileName(in.ID, m.ID)}
			}
			if files := storedFiles(t, dir); !slices.Equal(files, wantFiles) {
				t.Errorf("got body files %v, want %v", files, wantFiles)
			}
			if read := readAllChunks(t, s, in.ID, m.ID); !equalChunks(read, chunks) {
				t.Errorf("read chunks differ from the stored ones")
			}
		})
	}
}

func TestPutChunk_BodyInFile(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Hour))
	m, _ := newTestMessage(t, 1, 0)
	chunks := largeChunks(t)
	m.Chunks = uint32(len(chunks))
	if err := s.AddMessage(in.ID, testNow, m, chunks); err != nil {
		t.Fatalf("AddMessage: %v", err)
	}
	if err := s.PutChunk(in.ID, m.ID, 0, []byte("x")); err == nil {
		t.Errorf("got no error, want one for a body in a file")
	}
}

func TestBodyWriter_Discard(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir)
	in := createTestInbox(t, s, testNow.Add(time.Hour))
	w := writeTestBody(t, s, in.ID, randomBytes(t, 16), largeChunks(t))
	if !w.InFile() || len(storedFiles(t, dir)) != 1 {
		t.Fatalf("got in file %v with files %v, want one body file", w.InFile(), storedFiles(t, dir))
	}

	w.Discard()
	w.Discard()
	if files := storedFiles(t, dir); len(files) != 0 {
		t.Errorf("got body files %v after Discard, want none", files)
	}
	if err := w.WriteChunk([]byte("late")); err == nil {
		t.Errorf("WriteChunk after Discard: got no error, want one")
	}
}

func TestAddMessages_SkipsGoneAndExpiredInboxes(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir)
	live := createTestInbox(t, s, testNow.Add(time.Hour))
	expired := createTestInbox(t, s, testNow)
	unknown := randomBytes(t, 16)

	var msgs []NewMessage
	for i, inboxID := range [][]byte{live.ID, expired.ID, unknown} {
		m, _ := newTestMessage(t, uint64(i), 0)
		msgs = append(msgs, NewMessage{InboxID: inboxID, Message: m, Body: writeTestBody(t, s, inboxID, m.ID, largeChunks(t))})
	}
	stored, err := s.AddMessages(testNow, msgs)
	if err != nil {
		t.Fatalf("AddMessages: %v", err)
	}
	if want := []bool{true, false, false}; !slices.Equal(stored, want) {
		t.Errorf("got stored %v, want %v", stored, want)
	}
	want := []string{testBodyFileName(live.ID, msgs[0].Message.ID)}
	if files := storedFiles(t, dir); !slices.Equal(files, want) {
		t.Errorf("got body files %v, want only %v", files, want)
	}
	if _, err := s.Message(expired.ID, msgs[1].Message.ID); !errors.Is(err, ErrMessageNotFound) {
		t.Errorf("message of the expired inbox: got %v, want ErrMessageNotFound", err)
	}
	if err := msgs[0].Body.WriteChunk([]byte("late")); err == nil {
		t.Errorf("WriteChunk after AddMessages: got no error, want one")
	}
}

func TestOpen_RemovesLeftoverBodyFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, testEpochKeys(t, dir))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	in := createTestInbox(t, s, testNow.Add(time.Hour))
	m, _ := newTestMessage(t, 1, 0)
	chunks := largeChunks(t)
	m.Chunks = uint32(len(chunks))
	if err := s.AddMessage(in.ID, testNow, m, chunks); err != nil {
		t.Fatalf("AddMessage: %v", err)
	}
	// A delivery cut short: written, never committed.
	writeTestBody(t, s, in.ID, randomBytes(t, 16), largeChunks(t))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	root := filepath.Join(dir, BodiesDirName)
	deletedInbox := hex.EncodeToString(randomBytes(t, 16))
	for _, path := range []string{
		filepath.Join(root, deletedInbox, hex.EncodeToString(randomBytes(t, 16))), // inbox deleted
		filepath.Join(root, hex.EncodeToString(in.ID), "not-hex"),
		filepath.Join(root, "stray-file"),
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatalf("mkdir: %v", err)
		}
		if err := os.WriteFile(path, []byte("leftover"), 0o600); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
	}

	s = openTestStore(t, dir)
	want := []string{testBodyFileName(in.ID, m.ID)}
	if files := storedFiles(t, dir); !slices.Equal(files, want) {
		t.Errorf("got body files %v, want only the committed %v", files, want)
	}
	if read := readAllChunks(t, s, in.ID, m.ID); !equalChunks(read, chunks) {
		t.Errorf("committed body changed")
	}
}

func TestDelete_RemovesBodyFiles(t *testing.T) {
	tests := []struct {
		name   string
		delete func(s *Store, inboxID, messageID []byte) error
	}{
		{"DeleteMessage", func(s *Store, inboxID, messageID []byte) error { return s.DeleteMessage(inboxID, messageID) }},
		{"DeleteInbox", func(s *Store, inboxID, _ []byte) error { return s.DeleteInbox(inboxID) }},
		{"DeleteExpired", func(s *Store, _, _ []byte) error {
			_, err := s.DeleteExpired(testNow.Add(2*time.Hour), 10)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTestStore(t, dir)
			in := createTestInbox(t, s, testNow.Add(time.Hour))
			m, _ := newTestMessage(t, 1, 0)
			chunks := largeChunks(t)
			m.Chunks = uint32(len(chunks))
			if err := s.AddMessage(in.ID, testNow, m, chunks); err != nil {
				t.Fatalf("AddMessage: %v", err)
			}

			if err := tt.delete(s, in.ID, m.ID); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if files := storedFiles(t, dir); len(files) != 0 {
				t.Errorf("got body files %v, want none", files)
			}
		})
	}
}

func TestOpenBody_DamagedFile(t *testing.T) {
	tests := []struct {
		name   string
		damage func(data []byte) []byte
	}{
		{"wrong version", func(data []byte) []byte { data[0] = 9; return data }},
		{"empty", func([]byte) []byte { return nil }},
		{"cut in a length", func(data []byte) []byte { return data[:3] }},
		{"cut in a chunk", func(data []byte) []byte { return data[:len(data)-1] }},
		{"huge length", func(data []byte) []byte { copy(data[1:5], []byte{0x7f, 0xff, 0xff, 0xff}); return data }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTestStore(t, dir)
			in := createTestInbox(t, s, testNow.Add(time.Hour))
			m, _ := newTestMessage(t, 1, 0)
			chunks := largeChunks(t)
			m.Chunks = uint32(len(chunks))
			if err := s.AddMessage(in.ID, testNow, m, chunks); err != nil {
				t.Fatalf("AddMessage: %v", err)
			}
			path := filepath.Join(dir, BodiesDirName, testBodyFileName(in.ID, m.ID))
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read body file: %v", err)
			}
			if err := os.WriteFile(path, tt.damage(data), 0o600); err != nil {
				t.Fatalf("write body file: %v", err)
			}

			err = s.ReadChunks(in.ID, m.ID, func(uint32, []byte) error { return nil })
			if !errors.Is(err, ErrCorruptRecord) {
				t.Errorf("got %v, want ErrCorruptRecord", err)
			}
		})
	}
}

func TestOpenBody_NextAfterEnd(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	in := createTestInbox(t, s, testNow.Add(time.Hour))
	m, _ := addTestMessage(t, s, in.ID, 1, 2)

	_, r, err := s.OpenBody(in.ID, m.ID)
	if err != nil {
		t.Fatalf("OpenBody: %v", err)
	}
	defer r.Close()
	for i := range 2 {
		if _, _, err := r.Next(); err != nil {
			t.Fatalf("Next %d: %v", i, err)
		}
	}
	for range 2 {
		if _, _, err := r.Next(); err != io.EOF {
			t.Errorf("Next after the last chunk: got %v, want io.EOF", err)
		}
	}
}

func TestDecodeMessage_Version1(t *testing.T) {
	m, _ := newTestMessage(t, 1, 3)
	m.Seen = true
	m.Seq = 0
	record := encodeMessage(m)
	// Version 1 is version 4 without the body-in-file flag, the epoch and
	// the one-byte sequence 0 at the end.
	v1 := append([]byte{1}, record[1:len(record)-10]...)
	m.Epoch = 0

	got, err := decodeMessage(m.ID, v1)
	if err != nil {
		t.Fatalf("decodeMessage: %v", err)
	}
	if fmtMessage(got) != fmtMessage(m) {
		t.Errorf("got %+v, want %+v", got, m)
	}
}

func fmtMessage(m Message) string {
	return hex.EncodeToString(encodeMessage(m))
}

func equalChunks(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}

func TestDecodeMessage_Version3HasNoSequence(t *testing.T) {
	m, _ := newTestMessage(t, 1, 3)
	m.Seq = 0
	record := encodeMessage(m)
	// Version 3 is version 4 without the one-byte sequence 0 at the end.
	v3 := append([]byte{3}, record[1:len(record)-1]...)

	got, err := decodeMessage(m.ID, v3)
	if err != nil {
		t.Fatalf("decodeMessage: %v", err)
	}
	if fmtMessage(got) != fmtMessage(m) {
		t.Errorf("got %+v, want %+v", got, m)
	}
}
