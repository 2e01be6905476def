package dnsserver

import (
	"crypto/rand"
	"encoding/binary"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// rrlAction is the rate limit's decision on one UDP reply.
type rrlAction int

const (
	rrlSend rrlAction = iota
	rrlSlip
	rrlDrop
)

// maxBuckets bounds the memory of the rate limiter. When the table is
// full, buckets idle for a second or more are swept. Such a bucket has
// refilled by then, so forgetting it changes no decision.
const maxBuckets = 1 << 16

// rateLimiter is a token bucket per client network. Buckets are keyed by
// a SipHash of the network under a random key that lives only in memory,
// so the table holds no client address. Safe for concurrent use.
type rateLimiter struct {
	cfg    RateLimit
	k0, k1 uint64
	now    func() time.Time

	mu      sync.Mutex
	buckets map[uint64]*bucket
}

type bucket struct {
	tokens  float64
	last    time.Time
	limited uint64 // replies limited since the bucket was created
}

// newRateLimiter returns nil when cfg turns the limit off.
func newRateLimiter(cfg RateLimit) *rateLimiter {
	if cfg.Rate == 0 {
		return nil
	}
	var key [16]byte
	_, _ = rand.Read(key[:]) // documented to never return an error since Go 1.24
	return &rateLimiter{
		cfg:     cfg,
		k0:      binary.LittleEndian.Uint64(key[:8]),
		k1:      binary.LittleEndian.Uint64(key[8:]),
		now:     time.Now,
		buckets: map[uint64]*bucket{},
	}
}

// decide takes one token from the bucket of client's network and decides
// whether to send the reply, slip it or drop it. A client without a known
// address is never limited.
func (l *rateLimiter) decide(client netip.Addr) rrlAction {
	if !client.IsValid() {
		return rrlSend
	}
	key := l.networkKey(client)
	now := l.now()
	rate := float64(l.cfg.Rate)

	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		l.makeRoom(now)
		b = &bucket{tokens: rate, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(rate, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return rrlSend
	}

	b.limited++
	if l.cfg.Slip > 0 && b.limited%uint64(l.cfg.Slip) == 0 {
		return rrlSlip
	}
	return rrlDrop
}

// networkKey hashes the client's network: its address masked to the
// configured prefix length.
func (l *rateLimiter) networkKey(client netip.Addr) uint64 {
	bitsLen := l.cfg.IPv6Prefix
	if client.Is4() {
		bitsLen = l.cfg.IPv4Prefix
	}
	prefix, _ := client.Prefix(bitsLen) // the length was validated
	return sipHash24(l.k0, l.k1, prefix.Addr().AsSlice())
}

// makeRoom sweeps idle buckets when the table is full. The caller holds mu.
func (l *rateLimiter) makeRoom(now time.Time) {
	if len(l.buckets) < maxBuckets {
		return
	}
	for key, b := range l.buckets {
		if now.Sub(b.last) >= time.Second {
			delete(l.buckets, key)
		}
	}
	if len(l.buckets) >= maxBuckets {
		// Every bucket is busy: forget them all rather than grow without
		// bound. An attack this wide gets a fresh allowance once.
		clear(l.buckets)
	}
}

// limit applies the rate limit to a UDP reply: it returns reply, an empty
// truncated reply that makes a real client retry over TCP, or nil to
// send nothing.
func (s *Server) limit(r *request, reply *dns.Msg) *dns.Msg {
	if s.rrl == nil {
		return reply
	}
	switch s.rrl.decide(r.client) {
	case rrlSlip:
		s.metrics.rrl("slip")
		return truncatedReply(reply)
	case rrlDrop:
		s.metrics.rrl("drop")
		return nil
	}
	return reply
}

// truncatedReply returns reply with every record removed but its OPT
// record, which carries a server cookie for the client's next query, and
// with TC set, so that the client retries over TCP.
func truncatedReply(reply *dns.Msg) *dns.Msg {
	slip := new(dns.Msg)
	slip.MsgHdr = reply.MsgHdr
	slip.Truncated = true
	slip.Question = reply.Question
	if opt := reply.IsEdns0(); opt != nil {
		slip.Extra = []dns.RR{opt}
	}
	return slip
}
