package dnsserver

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

const (
	// cookieSecretSize is the SipHash-2-4 key size.
	cookieSecretSize = 16
	clientCookieSize = 8
	// serverCookieSize is the size of the server cookies we issue: version,
	// reserved, timestamp and hash (RFC 9018 §4.2).
	serverCookieSize = 16
	// maxServerCookieSize is the largest server cookie RFC 7873 §4 allows.
	maxServerCookieSize = 32
	cookieVersion       = 1
	// A server cookie is valid from 5 minutes before its timestamp until
	// an hour after it (RFC 9018 §4.3).
	cookieMaxAge    = time.Hour
	cookieMaxFuture = 5 * time.Minute
)

// cookieCheck is the outcome of checking a query's COOKIE option.
type cookieCheck struct {
	// client is the client cookie, nil when the query had no COOKIE option.
	client []byte
	// valid is set when the query carried a server cookie that we issued
	// to this client address within the last hour.
	valid bool
	// malformed is set when the option has a length RFC 7873 forbids.
	malformed bool
}

// cookieJar issues and checks the server cookies of RFC 9018.
type cookieJar struct {
	k0, k1 uint64
	now    func() time.Time
}

// newCookieJar returns a jar keyed with secret, or with a random key when
// secret is empty. The caller has checked the length.
func newCookieJar(secret []byte) *cookieJar {
	if len(secret) == 0 {
		secret = make([]byte, cookieSecretSize)
		_, _ = rand.Read(secret) // documented to never return an error since Go 1.24
	}
	return &cookieJar{
		k0:  binary.LittleEndian.Uint64(secret[:8]),
		k1:  binary.LittleEndian.Uint64(secret[8:]),
		now: time.Now,
	}
}

// check reads the COOKIE option of opt, if any, for a query from client.
func (j *cookieJar) check(opt *dns.OPT, client netip.Addr) cookieCheck {
	for _, o := range opt.Option {
		c, ok := o.(*dns.EDNS0_COOKIE)
		if !ok {
			continue
		}
		raw, err := hex.DecodeString(c.Cookie)
		n := len(raw)
		if err != nil || (n != clientCookieSize && (n < clientCookieSize+8 || n > clientCookieSize+maxServerCookieSize)) {
			return cookieCheck{malformed: true}
		}
		check := cookieCheck{client: raw[:clientCookieSize]}
		if n > clientCookieSize {
			check.valid = j.validServerCookie(raw[:clientCookieSize], raw[clientCookieSize:], client)
		}
		return check
	}
	return cookieCheck{}
}

// validServerCookie reports whether server is a cookie we issued for
// client cookie cc and client address addr, and has not expired.
func (j *cookieJar) validServerCookie(cc, server []byte, addr netip.Addr) bool {
	if len(server) != serverCookieSize || server[0] != cookieVersion {
		return false
	}
	stamp := binary.BigEndian.Uint32(server[4:8])
	// RFC 9018 §4.3 compares timestamps in serial number arithmetic
	// (RFC 1982), so the check survives the 2106 wrap.
	age := int32(uint32(j.now().Unix()) - stamp)
	if age > int32(cookieMaxAge/time.Second) || -age > int32(cookieMaxFuture/time.Second) {
		return false
	}
	want := j.serverCookie(cc, stamp, addr)
	return subtle.ConstantTimeCompare(want[:], server) == 1
}

// reply returns the COOKIE option of a reply: the client cookie followed
// by a fresh server cookie.
func (j *cookieJar) reply(cc []byte, addr netip.Addr) *dns.EDNS0_COOKIE {
	server := j.serverCookie(cc, uint32(j.now().Unix()), addr)
	return &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: hex.EncodeToString(cc) + hex.EncodeToString(server[:])}
}

// serverCookie computes the server cookie of RFC 9018 §4.4: version 1,
// three reserved zero octets, the timestamp, and SipHash-2-4 over the
// client cookie, those eight octets and the client's IP address. The hash
// is written in the byte order of SipHash's reference output.
func (j *cookieJar) serverCookie(cc []byte, stamp uint32, addr netip.Addr) [serverCookieSize]byte {
	var out [serverCookieSize]byte
	out[0] = cookieVersion
	binary.BigEndian.PutUint32(out[4:8], stamp)

	input := make([]byte, 0, clientCookieSize+8+16)
	input = append(input, cc...)
	input = append(input, out[:8]...)
	if addr.IsValid() {
		input = append(input, addr.AsSlice()...)
	}
	binary.LittleEndian.PutUint64(out[8:], sipHash24(j.k0, j.k1, input))
	return out
}
