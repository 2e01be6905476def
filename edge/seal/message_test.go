package seal

import (
	"bytes"
	"crypto/hpke"
	"crypto/rand"
	"errors"
	"testing"
)

func newTestKeyPair(t testing.TB) (hpke.PublicKey, hpke.PrivateKey) {
	t.Helper()
	tok, err := NewToken("ab")
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}
	id := []byte("inbox-id-16bytes")
	pubBytes, wrapped, err := NewInboxKeyPair(tok, id)
	if err != nil {
		t.Fatalf("NewInboxKeyPair: %v", err)
	}
	pub, err := ParsePublicKey(pubBytes)
	if err != nil {
		t.Fatalf("ParsePublicKey: %v", err)
	}
	priv, err := UnwrapPrivateKey(tok, id, wrapped)
	if err != nil {
		t.Fatalf("UnwrapPrivateKey: %v", err)
	}
	return pub, priv
}

// sealedMessage is a message as the store keeps it.
type sealedMessage struct {
	id     []byte
	enc    []byte
	meta   []byte
	chunks [][]byte
}

func sealTestMessage(t *testing.T, pub hpke.PublicKey, id, meta, body []byte, chunkSize int) sealedMessage {
	t.Helper()
	enc, sealer, err := NewMessageSealer(pub, id)
	if err != nil {
		t.Fatalf("NewMessageSealer: %v", err)
	}
	chunks, err := sealer.SealBody(body, chunkSize)
	if err != nil {
		t.Fatalf("SealBody: %v", err)
	}
	return sealedMessage{id: id, enc: enc, meta: sealer.SealMeta(meta), chunks: chunks}
}

func openTestBody(priv hpke.PrivateKey, m sealedMessage) ([]byte, error) {
	opener, err := OpenMessage(priv, m.enc, m.id)
	if err != nil {
		return nil, err
	}
	var body []byte
	for i, c := range m.chunks {
		open := opener.OpenChunk
		if i == len(m.chunks)-1 {
			open = opener.OpenLastChunk
		}
		data, err := open(uint32(i), c)
		if err != nil {
			return nil, err
		}
		body = append(body, data...)
	}
	return body, nil
}

func TestMessage_RoundTrip(t *testing.T) {
	pub, priv := newTestKeyPair(t)
	tests := []struct {
		name       string
		bodySize   int
		chunkSize  int
		wantChunks int
	}{
		{"empty body", 0, 16, 1},
		{"one partial chunk", 5, 16, 1},
		{"exactly one chunk", 16, 16, 1},
		{"several chunks", 40, 16, 3},
		{"exact multiple", 48, 16, 3},
		{"default chunk size", 3*ChunkSize + 1, ChunkSize, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := make([]byte, tt.bodySize)
			rand.Read(body)
			m := sealTestMessage(t, pub, []byte("message-id-bytes"), []byte(`{"subject":"hi"}`), body, tt.chunkSize)
			if len(m.chunks) != tt.wantChunks {
				t.Errorf("got %d chunks, want %d", len(m.chunks), tt.wantChunks)
			}

			opener, err := OpenMessage(priv, m.enc, m.id)
			if err != nil {
				t.Fatalf("OpenMessage: %v", err)
			}
			meta, err := opener.OpenMeta(m.meta)
			if err != nil {
				t.Fatalf("OpenMeta: %v", err)
			}
			if string(meta) != `{"subject":"hi"}` {
				t.Errorf("got meta %q, want the original", meta)
			}
			got, err := openTestBody(priv, m)
			if err != nil {
				t.Fatalf("open body: %v", err)
			}
			if !bytes.Equal(got, body) {
				t.Errorf("got %d body bytes, want the original %d", len(got), len(body))
			}
		})
	}
}

func TestMessage_TamperingFailsToOpen(t *testing.T) {
	pub, priv := newTestKeyPair(t)
	body := bytes.Repeat([]byte("0123456789abcdef"), 4) // four chunks of 16
	a := sealTestMessage(t, pub, []byte("message-id-aaaaa"), []byte("meta a"), body, 16)
	b := sealTestMessage(t, pub, []byte("message-id-bbbbb"), []byte("meta b"), body, 16)
	_, otherPriv := newTestKeyPair(t)

	tests := []struct {
		name   string
		priv   hpke.PrivateKey
		change func(m *sealedMessage)
	}{
		{"flipped chunk byte", priv, func(m *sealedMessage) { m.chunks[1][3] ^= 1 }},
		{"swapped chunks", priv, func(m *sealedMessage) { m.chunks[0], m.chunks[1] = m.chunks[1], m.chunks[0] }},
		{"truncated", priv, func(m *sealedMessage) { m.chunks = m.chunks[:3] }},
		{"chunk from other message", priv, func(m *sealedMessage) { m.chunks[2] = b.chunks[2] }},
		{"chunk appended", priv, func(m *sealedMessage) { m.chunks = append(m.chunks, b.chunks[3]) }},
		{"other message id", priv, func(m *sealedMessage) { m.id = b.id }},
		{"other encapsulation", priv, func(m *sealedMessage) { m.enc = b.enc }},
		{"other private key", otherPriv, func(m *sealedMessage) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := cloneMessage(a)
			tt.change(&m)
			if _, err := openTestBody(tt.priv, m); !errors.Is(err, ErrDecrypt) {
				t.Errorf("got %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestMessage_TamperedMetaFailsToOpen(t *testing.T) {
	pub, priv := newTestKeyPair(t)
	a := sealTestMessage(t, pub, []byte("message-id-aaaaa"), []byte("meta a"), nil, 16)
	b := sealTestMessage(t, pub, []byte("message-id-bbbbb"), []byte("meta b"), nil, 16)

	opener, err := OpenMessage(priv, a.enc, a.id)
	if err != nil {
		t.Fatalf("OpenMessage: %v", err)
	}
	flipped := bytes.Clone(a.meta)
	flipped[len(flipped)-1] ^= 1
	for name, sealed := range map[string][]byte{"flipped byte": flipped, "other message": b.meta} {
		t.Run(name, func(t *testing.T) {
			if _, err := opener.OpenMeta(sealed); !errors.Is(err, ErrDecrypt) {
				t.Errorf("got %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestMessageSealer_NoChunkAfterLast(t *testing.T) {
	pub, _ := newTestKeyPair(t)
	_, sealer, err := NewMessageSealer(pub, []byte("message-id-bytes"))
	if err != nil {
		t.Fatalf("NewMessageSealer: %v", err)
	}
	if _, err := sealer.SealLastChunk([]byte("end")); err != nil {
		t.Fatalf("SealLastChunk: %v", err)
	}
	if _, err := sealer.SealChunk([]byte("more")); !errors.Is(err, ErrChunkAfterLast) {
		t.Errorf("got %v, want ErrChunkAfterLast", err)
	}
}

func TestMessage_EncapsulationIsFresh(t *testing.T) {
	pub, _ := newTestKeyPair(t)
	a := sealTestMessage(t, pub, []byte("message-id-bytes"), nil, []byte("same"), 16)
	b := sealTestMessage(t, pub, []byte("message-id-bytes"), nil, []byte("same"), 16)
	if bytes.Equal(a.enc, b.enc) {
		t.Errorf("two encapsulations are equal")
	}
	if bytes.Equal(a.chunks[0], b.chunks[0]) {
		t.Errorf("the same body sealed twice gives the same ciphertext")
	}
}

func cloneMessage(m sealedMessage) sealedMessage {
	out := sealedMessage{id: bytes.Clone(m.id), enc: bytes.Clone(m.enc), meta: bytes.Clone(m.meta)}
	for _, c := range m.chunks {
		out.chunks = append(out.chunks, bytes.Clone(c))
	}
	return out
}

// TestMessage_AppendForms checks that the Append methods keep dst's
// contents, add exactly what the plain methods return, and interoperate
// with them.
func TestMessage_AppendForms(t *testing.T) {
	pub, priv := newTestKeyPair(t)
	id := []byte("message-id-bytes")
	enc, sealer, err := NewMessageSealer(pub, id)
	if err != nil {
		t.Fatalf("NewMessageSealer: %v", err)
	}
	prefix := []byte("prefix")

	first, err := sealer.AppendChunk(bytes.Clone(prefix), []byte("first chunk"))
	if err != nil {
		t.Fatalf("AppendChunk: %v", err)
	}
	last, err := sealer.AppendLastChunk(make([]byte, 0, 64), []byte("last chunk"))
	if err != nil {
		t.Fatalf("AppendLastChunk: %v", err)
	}
	if !bytes.HasPrefix(first, prefix) {
		t.Fatalf("AppendChunk changed dst's contents")
	}
	first = first[len(prefix):]
	if got, want := len(first), len("first chunk")+ChunkOverhead; got != want {
		t.Errorf("got sealed chunk of %d bytes, want %d (ChunkOverhead)", got, want)
	}

	opener, err := OpenMessage(priv, enc, id)
	if err != nil {
		t.Fatalf("OpenMessage: %v", err)
	}
	plain, err := opener.AppendOpenChunk(bytes.Clone(prefix), 0, first)
	if err != nil || string(plain) != "prefixfirst chunk" {
		t.Errorf("AppendOpenChunk: got %q, %v, want %q", plain, err, "prefixfirst chunk")
	}
	plain, err = opener.AppendOpenLastChunk(nil, 1, last)
	if err != nil || string(plain) != "last chunk" {
		t.Errorf("AppendOpenLastChunk: got %q, %v, want %q", plain, err, "last chunk")
	}
	if _, err := opener.OpenLastChunk(0, first); !errors.Is(err, ErrDecrypt) {
		t.Errorf("chunk 0 opened as the last: got %v, want ErrDecrypt", err)
	}
	if _, err := sealer.AppendChunk(nil, []byte("more")); !errors.Is(err, ErrChunkAfterLast) {
		t.Errorf("AppendChunk after the last: got %v, want ErrChunkAfterLast", err)
	}
}
