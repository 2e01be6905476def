package smtpd

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// readMode defines how conn hands the client's bytes to go-smtp.
type readMode int

const (
	// modeCommand hands over one command line per Read.
	modeCommand readMode = iota
	// modeChunk hands over the octets of a BDAT chunk unchanged.
	modeChunk
	// modeData: the session reads the DATA content through a dotReader,
	// and go-smtp, which reads after the session is done, gets only the
	// end marker.
	modeData
)

// Limits of lingerClose: how long and how much it reads after a closing
// reply before the socket is closed.
const (
	lingerTimeout = 2 * time.Second
	lingerBytes   = 256 << 10
)

// conn is the net.Conn that go-smtp serves. It owns the framing of the
// byte stream, which go-smtp v0.26.0 gets wrong or does not offer, and
// leaves command semantics to go-smtp:
//
//   - it hands go-smtp one command line per Read, so the line go-smtp is
//     handling is known, and the session parses quoted paths from it. It
//     replies itself to unknown or malformed commands, AUTH, over-long
//     lines and, while the server shuts down, to new transactions;
//   - it decodes DATA content itself (dotReader), because go-smtp's
//     reader misses the end marker after a line that ends in CR CR LF;
//   - it carries out STARTTLS, so that it keeps reading plaintext above
//     TLS, and discards the input that was pipelined behind STARTTLS;
//   - it watches go-smtp's replies: it rewrites the banner and the first
//     EHLO line to name the host, advertises STARTTLS, replies 503 where
//     go-smtp replies 502 to a command out of sequence, and counts errors.
//
// go-smtp calls Read and Write from the connection's goroutine only. The
// fields under mu are also used by the session's BDAT goroutine and by
// Server.Shutdown. The client's IP address stays in memory for the
// connection limits and is never logged, because RemoteAddr hides it.
type conn struct {
	server   *Server
	raw      net.Conn
	clientIP netip.Addr
	logger   *slog.Logger

	mu      sync.Mutex
	session *session
	waiting bool       // blocked reading a command line
	data    *dotReader // DATA content the session has not taken yet
	closed  bool

	// Used by the connection's goroutine only.
	reader       *bufio.Reader // over raw, or over the TLS connection
	tlsConn      *tls.Conn
	pending      []byte // the rest of the command line being handed over
	mode         readMode
	chunkLeft    int64
	dot          *dotReader
	awaitData    <-chan struct{} // see expectData
	verb         string          // the command that go-smtp is handling
	line         string          // its line, without the line ending
	needHello    bool            // STARTTLS done, no EHLO or HELO since
	closing      bool            // a 421 was sent: reads end
	broken       bool            // the byte stream can no longer be framed: reads end
	replies      replyState
	partialReply []byte // the lines of a multi-line reply written so far
}

func newConn(s *Server, raw net.Conn) *conn {
	return &conn{
		server:   s,
		raw:      raw,
		clientIP: clientIP(raw.RemoteAddr()),
		logger:   s.logger.With("session", newSessionID()),
		reader:   bufio.NewReader(raw),
	}
}

// Read hands go-smtp the next command line, chunk octets or, after DATA
// content, the end marker its own DATA reader waits for. After Close it
// returns io.EOF, even with input left in the buffer: go-smtp closes
// after QUIT and would handle pipelined lines without its session.
func (c *conn) Read(p []byte) (int, error) {
	if c.isClosed() {
		return 0, io.EOF
	}
	for len(c.pending) == 0 {
		switch c.mode {
		case modeChunk:
			return c.readChunk(p)
		case modeData:
			c.endData()
		default:
			if err := c.nextCommand(); err != nil {
				return 0, err
			}
		}
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// readChunk hands over the octets of the BDAT chunk announced last. A
// chunk cut short is an error, never a short chunk.
func (c *conn) readChunk(p []byte) (int, error) {
	c.setReadTimeout(c.server.cfg.DataTimeout)
	if int64(len(p)) > c.chunkLeft {
		p = p[:c.chunkLeft]
	}
	n, err := c.reader.Read(p)
	c.chunkLeft -= int64(n)
	if c.chunkLeft == 0 {
		c.mode = modeCommand
	}
	if err != nil && n == 0 {
		// The rest of the chunk will not come: the next read ends the
		// session.
		c.broken, c.mode = true, modeCommand
		return 0, c.transferError(err)
	}
	return n, nil
}

// transferError turns a failed read of message content into the reply
// go-smtp sends for it, so that no error text of the network reaches the
// client or go-smtp's log.
func (c *conn) transferError(err error) error {
	if isTimeout(err) {
		c.logger.Info("message transfer timed out")
		return replyDataTimeout
	}
	return replyAborted
}

// startData is called when go-smtp accepts DATA with 354.
func (c *conn) startData() {
	c.dot = newDotReader(c.reader, func() { c.setReadTimeout(c.server.cfg.DataTimeout) })
	c.mode = modeData
	c.mu.Lock()
	c.data = c.dot
	c.mu.Unlock()
}

// takeData returns the DATA content for the session to read, or nil when
// the message comes in BDAT chunks.
func (c *conn) takeData() *dotReader {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.data
	c.data = nil
	return d
}

// endData reads what is left of the DATA content and gives go-smtp its end
// marker, so that go-smtp sends the session's reply.
func (c *conn) endData() {
	if err := c.dot.Drain(); err != nil {
		c.broken = true
	}
	c.takeData()
	c.dot = nil
	c.mode = modeCommand
	c.pending = []byte(".\r\n")
}

// attach links the session go-smtp created for this connection.
func (c *conn) attach(s *session) {
	c.mu.Lock()
	c.session = s
	c.mu.Unlock()
}

// inTransaction reports whether a MAIL command started a transaction that
// has not ended. The caller holds c.mu.
func (c *conn) inTransaction() bool {
	return c.session != nil && c.session.inTransaction()
}

// interruptIfIdle wakes a connection that waits for a command outside a
// transaction, so that it sends 421 during shutdown.
func (c *conn) interruptIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waiting && !c.inTransaction() {
		_ = c.raw.SetReadDeadline(time.Now())
	}
}

// closeWith sends a closing reply and ends the session; nextCommand then
// lingers, so that the client gets the reply even when it pipelined more
// input.
func (c *conn) closeWith(r replyError) {
	c.reply(r)
	c.closing = true
}

// lingerClose shuts the sending side and reads what the client still
// sends for a short while. Closing a socket with unread input makes the
// kernel send a reset, which can destroy the last reply before the client
// reads it.
func (c *conn) lingerClose() {
	if hc, ok := c.raw.(interface{ CloseWrite() error }); ok {
		_ = hc.CloseWrite()
	}
	_ = c.raw.SetReadDeadline(time.Now().Add(lingerTimeout))
	_, _ = io.Copy(io.Discard, io.LimitReader(c.raw, lingerBytes))
}

func (c *conn) setReadTimeout(d time.Duration) {
	_ = c.raw.SetReadDeadline(time.Now().Add(d))
}

// Write passes go-smtp's replies to the client through replyState. It
// holds the lines of a multi-line reply until the last one, so that the
// reply costs one write and one packet: go-smtp flushes every line, and
// EHLO's reply has eight.
func (c *conn) Write(p []byte) (int, error) {
	out := c.replies.filter(c, p)
	if c.replies.midReply {
		c.partialReply = append(c.partialReply, out...)
		return len(p), nil
	}
	if len(c.partialReply) > 0 {
		out = append(c.partialReply, out...)
		c.partialReply = nil
	}
	if len(out) == 0 {
		return len(p), nil
	}
	if _, err := c.writer().Write(out); err != nil {
		return 0, errConnWrite
	}
	return len(p), nil
}

func (c *conn) writer() io.Writer {
	if c.tlsConn != nil {
		return c.tlsConn
	}
	return c.raw
}

// Close closes the socket. It is safe to call more than once and from any
// goroutine. It skips TLS's close_notify, which could block on a client
// that does not read.
func (c *conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()

	c.server.limiter.release(c)
	if err := c.raw.Close(); err != nil {
		return errConnClose
	}
	return nil
}

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// errConnWrite and errConnClose replace network errors, whose text names
// the client's address.
var (
	errConnWrite = errors.New("write to the client failed")
	errConnClose = errors.New("close the client connection failed")
)

// LocalAddr returns the server's own address.
func (c *conn) LocalAddr() net.Addr { return c.raw.LocalAddr() }

// RemoteAddr hides the client's address, so that go-smtp cannot log it.
func (c *conn) RemoteAddr() net.Addr { return hiddenAddr{} }

// The deadlines apply to the socket, below TLS, which is what tls.Conn
// does too.
func (c *conn) SetDeadline(t time.Time) error      { return c.raw.SetDeadline(t) }
func (c *conn) SetReadDeadline(t time.Time) error  { return c.raw.SetReadDeadline(t) }
func (c *conn) SetWriteDeadline(t time.Time) error { return c.raw.SetWriteDeadline(t) }

// hiddenAddr replaces the client's address.
type hiddenAddr struct{}

func (hiddenAddr) Network() string { return "tcp" }
func (hiddenAddr) String() string  { return "client" }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
