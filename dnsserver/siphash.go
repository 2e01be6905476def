package dnsserver

import (
	"encoding/binary"
	"math/bits"
)

// sipHash24 returns SipHash-2-4 of msg under the 128-bit key k0 || k1
// (both little-endian halves), as specified by Aumasson and Bernstein in
// "SipHash: a fast short-input PRF" (2012): two compression rounds per
// 8-octet block and four finalization rounds. RFC 9018 §4.4 uses it for
// server cookies.
func sipHash24(k0, k1 uint64, msg []byte) uint64 {
	s := sipState{
		v0: k0 ^ 0x736f6d6570736575,
		v1: k1 ^ 0x646f72616e646f6d,
		v2: k0 ^ 0x6c7967656e657261,
		v3: k1 ^ 0x7465646279746573,
	}
	// The last block carries the message length modulo 256 in its top
	// octet, after the trailing octets of the message.
	last := uint64(len(msg)) << 56
	for ; len(msg) >= 8; msg = msg[8:] {
		s.compress(binary.LittleEndian.Uint64(msg))
	}
	for i, c := range msg {
		last |= uint64(c) << (8 * i)
	}
	s.compress(last)

	s.v2 ^= 0xff
	for range 4 {
		s.round()
	}
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3
}

type sipState struct{ v0, v1, v2, v3 uint64 }

func (s *sipState) compress(m uint64) {
	s.v3 ^= m
	s.round()
	s.round()
	s.v0 ^= m
}

// round is one SipRound: two add-rotate-xor half rounds on each pair.
func (s *sipState) round() {
	s.v0 += s.v1
	s.v1 = bits.RotateLeft64(s.v1, 13)
	s.v1 ^= s.v0
	s.v0 = bits.RotateLeft64(s.v0, 32)
	s.v2 += s.v3
	s.v3 = bits.RotateLeft64(s.v3, 16)
	s.v3 ^= s.v2
	s.v0 += s.v3
	s.v3 = bits.RotateLeft64(s.v3, 21)
	s.v3 ^= s.v0
	s.v2 += s.v1
	s.v1 = bits.RotateLeft64(s.v1, 17)
	s.v1 ^= s.v2
	s.v2 = bits.RotateLeft64(s.v2, 32)
}
