package ratelimit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"net"
	"net/netip"
	"time"
)

// clientKey identifies a client without naming it: an HMAC-SHA256 of its
// address under a random salt that exists only in memory.
type clientKey [sha256.Size]byte

// keyer derives client keys under a salt that it replaces every rotation
// period. The salt before the current one stays for one more period, so
// that a client's bucket carries over the rotation. After two rotations no
// stored key can be linked to an address. The caller serialises access.
type keyer struct {
	rotation  time.Duration
	current   [32]byte
	previous  [32]byte
	rotatedAt time.Time
}

func newKeyer(rotation time.Duration, now time.Time) *keyer {
	k := &keyer{rotation: rotation}
	k.rotate(now)
	k.rotate(now)
	return k
}

// maybeRotate replaces the salt when the rotation period is over, and
// reports whether it did.
func (k *keyer) maybeRotate(now time.Time) bool {
	if now.Sub(k.rotatedAt) < k.rotation {
		return false
	}
	k.rotate(now)
	return true
}

func (k *keyer) rotate(now time.Time) {
	k.previous = k.current
	_, _ = rand.Read(k.current[:]) // crypto/rand.Read crashes the program rather than fail
	k.rotatedAt = now
}

// keys returns the client's key under the current salt and under the
// previous one.
func (k *keyer) keys(ip netip.Addr) (current, previous clientKey) {
	return mac(k.current[:], ip), mac(k.previous[:], ip)
}

func mac(salt []byte, ip netip.Addr) clientKey {
	h := hmac.New(sha256.New, salt)
	h.Write(ip.AsSlice())
	var key clientKey
	copy(key[:], h.Sum(nil))
	return key
}

// ClientIP returns the address that a limit counts: the IPv4 address, or
// the /64 of an IPv6 address, which one host usually has to itself. An
// address that does not parse gives the zero Addr, one shared client.
func ClientIP(remoteAddr string) netip.Addr {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().Addr()
	}
	return ip
}
