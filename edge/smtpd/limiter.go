package smtpd

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// clientKey identifies a client for the per-client connection count. It
// is an HMAC-SHA256 of the client's IP address under a random salt that
// exists only in memory and is replaced every rotation period. So the
// count contains no address and cannot be linked across periods.
type clientKey [sha256.Size]byte

// limiter bounds the open connections in total and per client, and keeps
// the set of open connections for Shutdown. It is safe for concurrent use.
type limiter struct {
	maxTotal     int
	maxPerClient int
	rotation     time.Duration

	mu        sync.Mutex
	salt      [32]byte
	rotatedAt time.Time
	conns     map[*conn]clientKey
	perClient map[clientKey]int
}

func newLimiter(maxTotal, maxPerClient int, rotation time.Duration) *limiter {
	l := &limiter{
		maxTotal:     maxTotal,
		maxPerClient: maxPerClient,
		rotation:     rotation,
		conns:        map[*conn]clientKey{},
		perClient:    map[clientKey]int{},
	}
	l.rotateSalt(time.Now())
	return l
}

// admit counts c in, or returns the reply that refuses it.
func (l *limiter) admit(c *conn) replyError {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := time.Now(); now.Sub(l.rotatedAt) >= l.rotation {
		l.rotateSalt(now)
	}

	key := l.keyOf(c.clientIP)
	switch {
	case len(l.conns) >= l.maxTotal:
		return replyTooManyConns
	case l.perClient[key] >= l.maxPerClient:
		return replyClientConns
	}
	l.conns[c] = key
	l.perClient[key]++
	return nil
}

// release counts c out; a connection never admitted is ignored.
func (l *limiter) release(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key, ok := l.conns[c]
	if !ok {
		return
	}
	delete(l.conns, c)
	if l.perClient[key]--; l.perClient[key] <= 0 {
		delete(l.perClient, key)
	}
}

// each calls fn for every open connection, outside the lock.
func (l *limiter) each(fn func(*conn)) {
	l.mu.Lock()
	conns := make([]*conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		fn(c)
	}
}

// rotateSalt draws a new salt and counts the open connections again under
// it. The caller holds l.mu, except in newLimiter.
func (l *limiter) rotateSalt(now time.Time) {
	_, _ = rand.Read(l.salt[:]) // crypto/rand.Read crashes the program rather than fail
	l.rotatedAt = now
	clear(l.perClient)
	for c := range l.conns {
		key := l.keyOf(c.clientIP)
		l.conns[c] = key
		l.perClient[key]++
	}
}

func (l *limiter) keyOf(ip netip.Addr) clientKey {
	mac := hmac.New(sha256.New, l.salt[:])
	mac.Write(ip.AsSlice())
	var key clientKey
	copy(key[:], mac.Sum(nil))
	return key
}

// clientIP returns the address that the per-client limit counts: the IPv4
// address, or the /64 of an IPv6 address, which one host usually has to
// itself. Other networks give the zero Addr, one shared client.
func clientIP(addr net.Addr) netip.Addr {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return netip.Addr{}
	}
	ip := tcp.AddrPort().Addr().Unmap()
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().Addr()
	}
	return ip
}

// listener admits the connections that the limits allow and refuses the
// others with 421 4.7.0.
type listener struct {
	net.Listener
	server *Server
}

func (l listener) Accept() (net.Conn, error) {
	for {
		raw, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := newConn(l.server, raw)
		if refusal := l.server.admit(c); refusal != nil {
			l.server.refuse(c, refusal)
			continue
		}
		return c, nil
	}
}

// admit applies the limits, and refuses every connection during shutdown.
func (s *Server) admit(c *conn) replyError {
	if s.draining.Load() {
		return replyShuttingDown
	}
	return s.limiter.admit(c)
}

// refuse sends the refusal and closes the connection in the background,
// so that a slow client does not hold up the accept loop.
func (s *Server) refuse(c *conn, refusal replyError) {
	s.refusals.log(s.logger, refusal)
	if !s.rejects.enter() {
		_ = c.raw.Close()
		return
	}
	go func() {
		defer s.rejects.leave()
		_ = c.raw.SetWriteDeadline(time.Now().Add(lingerTimeout))
		_, _ = c.raw.Write(formatReply(refusal))
		c.lingerClose()
		_ = c.raw.Close()
	}()
}

// refusalLog logs refused connections at most once per refusalLogInterval,
// so that a flood of connections does not flood the log. A refusal that
// comes at least that long after the last line logs the number of
// refusals per reason since that line.
type refusalLog struct {
	mu     sync.Mutex
	last   time.Time
	counts map[string]int
}

const refusalLogInterval = time.Minute

func (r *refusalLog) log(logger *slog.Logger, refusal replyError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.counts == nil {
		r.counts = map[string]int{}
	}
	r.counts[refusal.Message]++
	if now := time.Now(); now.Sub(r.last) >= refusalLogInterval {
		for reason, n := range r.counts {
			logger.Warn("connections refused", "reason", reason, "count", n)
		}
		r.last = now
		clear(r.counts)
	}
}
