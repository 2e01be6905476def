package dnsserver

import (
	"testing"
)

// TestSipHash24_ReferenceVectors checks vectors of the SipHash paper's
// reference implementation: key 00 01 .. 0f and messages 00 01 .. of
// growing length.
func TestSipHash24_ReferenceVectors(t *testing.T) {
	const k0, k1 = 0x0706050403020100, 0x0f0e0d0c0b0a0908
	tests := []struct {
		length int
		want   uint64
	}{
		{0, 0x726fdb47dd0e0e31},
		{1, 0x74f839c593dc67fd},
		{7, 0xab0200f58b01d137},
		{8, 0x93f5f5799a932462},
		{15, 0xa129ca6149be45e5},
		{63, 0x958a324ceb064572},
	}
	for _, tt := range tests {
		msg := make([]byte, tt.length)
		for i := range msg {
			msg[i] = byte(i)
		}
		if got := sipHash24(k0, k1, msg); got != tt.want {
			t.Errorf("length %d: got %#016x, want %#016x", tt.length, got, tt.want)
		}
	}
}

func BenchmarkSipHash24(b *testing.B) {
	msg := make([]byte, 32)
	for b.Loop() {
		sipHash24(1, 2, msg)
	}
}
