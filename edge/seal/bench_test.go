package seal

import (
	"testing"
)

var benchMessageID = []byte("message-id-bytes")

func BenchmarkNewMessageSealer(b *testing.B) {
	pub, _ := newTestKeyPair(b)
	for b.Loop() {
		if _, _, err := NewMessageSealer(pub, benchMessageID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenMessage(b *testing.B) {
	pub, priv := newTestKeyPair(b)
	enc, _, err := NewMessageSealer(pub, benchMessageID)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := OpenMessage(priv, enc, benchMessageID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealChunk64KiB(b *testing.B) {
	pub, _ := newTestKeyPair(b)
	data := make([]byte, ChunkSize)
	b.SetBytes(ChunkSize)
	_, sealer, err := NewMessageSealer(pub, benchMessageID)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := sealer.SealChunk(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenChunk64KiB(b *testing.B) {
	pub, priv := newTestKeyPair(b)
	enc, sealer, err := NewMessageSealer(pub, benchMessageID)
	if err != nil {
		b.Fatal(err)
	}
	sealed, err := sealer.SealChunk(make([]byte, ChunkSize))
	if err != nil {
		b.Fatal(err)
	}
	opener, err := OpenMessage(priv, enc, benchMessageID)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(ChunkSize)
	for b.Loop() {
		if _, err := opener.OpenChunk(0, sealed); err != nil {
			b.Fatal(err)
		}
	}
}
