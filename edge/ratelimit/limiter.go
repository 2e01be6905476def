package ratelimit

import (
	"math"
	"net/netip"
	"sync"
	"time"
)

// Limit is a token bucket: Rate requests per minute on average, and up to
// Burst at once. A zero Rate turns the limit off.
type Limit struct {
	Rate  int
	Burst int
}

// Defaults of the limiter's bookkeeping.
const (
	// DefaultRotation is how often the salt of the client keys changes.
	DefaultRotation = time.Hour
	// DefaultMaxClients bounds the buckets kept at once. A bucket is about
	// 100 bytes, so the default costs about 10 MB at most.
	DefaultMaxClients = 100_000
)

// Limiter applies one Limit per client. It stores no client address, only
// keyed hashes (see keyer), and drops buckets that have refilled, since a
// full bucket is the same as none. It is safe for concurrent use.
type Limiter struct {
	limit      Limit
	maxClients int
	perToken   time.Duration

	mu        sync.Mutex
	keys      *keyer
	buckets   map[clientKey]*bucket
	lastSweep time.Time
	now       func() time.Time
}

// bucket holds the tokens of one client at the time of its last update.
type bucket struct {
	tokens  float64
	updated time.Time
}

// New returns a limiter of limit. rotation and maxClients fall back to
// DefaultRotation and DefaultMaxClients when zero.
func New(limit Limit, rotation time.Duration, maxClients int) *Limiter {
	if rotation <= 0 {
		rotation = DefaultRotation
	}
	if maxClients <= 0 {
		maxClients = DefaultMaxClients
	}
	l := &Limiter{limit: limit, maxClients: maxClients, buckets: map[clientKey]*bucket{}, now: time.Now}
	if limit.Rate > 0 {
		l.perToken = time.Minute / time.Duration(limit.Rate)
	}
	l.keys = newKeyer(rotation, l.now())
	return l
}

// Allow takes one token from the client's bucket. When the bucket is empty
// it returns false and how long until the next token.
func (l *Limiter) Allow(ip netip.Addr) (bool, time.Duration) {
	if l.limit.Rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.keys.maybeRotate(now)
	l.sweep(now)

	b := l.bucketOf(ip, now)
	l.refill(b, now)
	if b.tokens < 1 {
		wait := time.Duration((1 - b.tokens) * float64(l.perToken))
		return false, wait
	}
	b.tokens--
	return true, 0
}

// bucketOf finds the client's bucket under the current salt, moves it
// from the previous salt after a rotation, or makes a full one.
func (l *Limiter) bucketOf(ip netip.Addr, now time.Time) *bucket {
	current, previous := l.keys.keys(ip)
	if b, ok := l.buckets[current]; ok {
		return b
	}
	b, ok := l.buckets[previous]
	if ok {
		delete(l.buckets, previous)
	} else {
		b = &bucket{tokens: float64(l.burst()), updated: now}
	}
	l.evictForOne()
	l.buckets[current] = b
	return b
}

func (l *Limiter) refill(b *bucket, now time.Time) {
	elapsed := now.Sub(b.updated)
	b.tokens = math.Min(float64(l.burst()), b.tokens+float64(elapsed)/float64(l.perToken))
	b.updated = now
}

func (l *Limiter) burst() int { return max(l.limit.Burst, 1) }

// fullAfter is how long an untouched bucket takes to refill from empty.
func (l *Limiter) fullAfter() time.Duration { return time.Duration(l.burst()) * l.perToken }

// sweep drops the buckets that have refilled, at most once per refill
// period, so that its cost spreads over many requests.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.fullAfter() {
		return
	}
	l.lastSweep = now
	for key, b := range l.buckets {
		if now.Sub(b.updated) >= l.fullAfter() {
			delete(l.buckets, key)
		}
	}
}

// evictForOne makes room for one bucket when the limiter is full. It drops
// a bucket at random, as map order is random: a flood of clients then
// resets some clients' buckets instead of growing memory without bound.
func (l *Limiter) evictForOne() {
	if len(l.buckets) < l.maxClients {
		return
	}
	for key := range l.buckets {
		delete(l.buckets, key)
		return
	}
}

// clients returns the number of buckets kept, for tests.
func (l *Limiter) clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
