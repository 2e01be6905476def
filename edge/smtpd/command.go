package smtpd

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// replyError is a reply the server sends for a failed command.
type replyError = *smtp.SMTPError

// forwarded are the verbs that go-smtp v0.26.0 handles without counting a
// protocol error of its own. conn replies to every other line itself, so
// that MaxErrors alone decides when a session ends.
var forwarded = map[string]bool{
	"HELO": true, "EHLO": true, "LHLO": true, "MAIL": true, "RCPT": true,
	"DATA": true, "BDAT": true, "RSET": true, "NOOP": true, "QUIT": true,
	"VRFY": true, "HELP": true, "EXPN": true, "SEND": true, "SOML": true,
	"SAML": true, "TURN": true, "STARTTLS": true,
}

// needsHello are the commands that must wait for EHLO after STARTTLS:
// RFC 3207 §4.2 discards everything learnt before TLS, and go-smtp would
// otherwise keep an envelope sent in plaintext.
var needsHello = map[string]bool{"MAIL": true, "RCPT": true, "DATA": true, "BDAT": true, "VRFY": true}

// errLineTooLong reports a command line over MaxLineLength.
var errLineTooLong = errors.New("command line too long")

// nextCommand reads command lines until one is for go-smtp and makes it
// pending. Lines it replies to itself do not reach go-smtp. Once the session
// is over it returns io.EOF, on which go-smtp closes the connection
// without a reply or a log line.
func (c *conn) nextCommand() error {
	for {
		if c.closing {
			c.waitForData()
			c.lingerClose()
			return io.EOF
		}
		if c.broken {
			c.waitForData()
			return io.EOF
		}
		line, err := c.readCommandLine()
		switch {
		case errors.Is(err, errShutdownIdle):
			c.closeWith(replyShuttingDown)
		case errors.Is(err, errLineTooLong):
			c.verb = ""
			c.reply(replyLineTooLong)
		case err != nil:
			c.readFailed(err)
		case c.handle(line):
			c.pending = line
			return nil
		}
	}
}

// errShutdownIdle reports that the server shuts down and the connection
// is between transactions.
var errShutdownIdle = errors.New("server shutting down")

// readCommandLine reads one line of at most MaxLineLength octets before
// its line ending, CRLF or a bare LF. A longer line is read to its end
// and discarded, so that the session can go on.
func (c *conn) readCommandLine() ([]byte, error) {
	if !c.beginWait() {
		return nil, errShutdownIdle
	}
	defer c.endWait()

	limit := c.server.cfg.MaxLineLength
	var line []byte
	tooLong := false
	for {
		frag, err := c.reader.ReadSlice('\n')
		if !tooLong {
			line = append(line, frag...)
			tooLong = lineLength(line, err == nil) > limit
		}
		switch {
		case err == nil && tooLong:
			return nil, errLineTooLong
		case err == nil:
			return line, nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return nil, err
		}
		if tooLong {
			line = nil
		}
	}
}

// lineLength returns the length of a line without its ending. Of a line
// still incomplete it leaves out a last CR, which may start a CRLF.
func lineLength(line []byte, complete bool) int {
	n := len(line)
	if complete {
		n-- // LF
	}
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	return n
}

// beginWait marks the connection as waiting for a command and sets the
// command timeout, under the lock that interruptIfIdle takes. It returns
// false when the server shuts down and no transaction is open.
func (c *conn) beginWait() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server.draining.Load() && !c.inTransaction() {
		return false
	}
	c.waiting = true
	_ = c.raw.SetReadDeadline(time.Now().Add(c.server.cfg.CommandTimeout))
	return true
}

func (c *conn) endWait() {
	c.mu.Lock()
	c.waiting = false
	c.mu.Unlock()
}

// readFailed ends the session after a failed read: with 421 after a
// timeout, silently when the client closed the connection.
func (c *conn) readFailed(err error) {
	switch {
	case isTimeout(err) && c.server.draining.Load():
		c.closeWith(replyShuttingDown)
	case isTimeout(err):
		c.logger.Info("command timed out")
		c.closeWith(replyCommandTimeout)
	default:
		c.broken = true
	}
}

// handle decides what becomes of a command line. It returns true for a
// line go-smtp must handle, after preparing for what follows it, and
// false for a line it replied to itself.
func (c *conn) handle(line []byte) bool {
	text := strings.TrimRight(string(line), "\r\n")
	if isAuth(text) {
		c.verb = "AUTH"
		c.reply(replyNoAuth)
		return false
	}
	verb, arg, ok := parseCommand(text)
	c.verb, c.line = verb, text
	switch {
	case !ok || !forwarded[verb]:
		c.reply(replyUnknownCommand)
		return false
	case verb != "QUIT" && c.shuttingDownIdle():
		c.closeWith(replyShuttingDown)
		return false
	case c.needHello && needsHello[verb]:
		c.reply(replyHelloFirst)
		return false
	}
	switch verb {
	case "QUIT":
		c.waitForData()
	case "STARTTLS":
		return !c.startTLS(arg)
	case "EHLO", "HELO":
		c.needHello = false
	case "BDAT":
		return c.startChunk(arg)
	}
	return true
}

func (c *conn) shuttingDownIdle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.server.draining.Load() && !c.inTransaction()
}

// startChunk checks BDAT's arguments as go-smtp does and prepares to hand
// over the chunk. It replies to a malformed BDAT itself, so that go-smtp
// only receives BDAT commands after which it reads a chunk.
func (c *conn) startChunk(arg string) bool {
	size, last, ok := parseBDAT(arg)
	switch {
	case !ok:
		c.reply(replyBDATSyntax)
		return false
	case size == 0 && !last:
		c.emptyChunk()
		return false
	}
	if size > 0 {
		c.mode, c.chunkLeft = modeChunk, size
	}
	c.expectData(size)
	return true
}

// expectData notes that go-smtp starts reading a BDAT message in a
// goroutine that calls the session's Data: it does so for a chunk within
// the size limit once the transaction has a recipient.
func (c *conn) expectData(size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session != nil && c.session.hasRecipients() && size <= c.server.cfg.MaxMessageSize {
		c.awaitData = c.session.dataStarted()
	}
}

// waitForData waits, for a bounded time, until the Data that expectData
// announced has begun. go-smtp v0.26.0 does not wait for its goroutine
// before it closes the connection after a failed chunk, and the goroutine
// then finds no session and panics.
func (c *conn) waitForData() {
	if c.awaitData == nil {
		return
	}
	select {
	case <-c.awaitData:
	case <-time.After(lingerTimeout):
	}
	c.awaitData = nil
}

// emptyChunk replies to a BDAT of zero octets that is not the last, which
// adds nothing to the message. go-smtp v0.26.0 would start the goroutine
// that reads the message without waiting for it, and a connection closed
// right after makes that goroutine use a nil session and panic.
func (c *conn) emptyChunk() {
	c.mu.Lock()
	ready := c.session != nil && c.session.hasRecipients()
	c.mu.Unlock()
	if !ready {
		c.reply(replyNoRecipients)
		return
	}
	c.reply(replyChunkReceived)
}

// parseBDAT parses "size [LAST]" with go-smtp's rules: a decimal size
// that fits 32 bits.
func parseBDAT(arg string) (size int64, last, ok bool) {
	fields := strings.Fields(arg)
	if len(fields) == 0 || len(fields) > 2 {
		return 0, false, false
	}
	if len(fields) == 2 && !strings.EqualFold(fields[1], "LAST") {
		return 0, false, false
	}
	n, err := strconv.ParseUint(fields[0], 10, 32)
	if err != nil {
		return 0, false, false
	}
	return int64(n), len(fields) == 2, true
}

// parseCommand splits a line into verb and argument exactly as go-smtp
// v0.26.0's parseCmd does, so that conn and go-smtp agree on which
// command a line is.
func parseCommand(line string) (verb, arg string, ok bool) {
	switch {
	case len(line) >= 8 && strings.EqualFold(line[:8], "STARTTLS"):
		return "STARTTLS", line[8:], true
	case len(line) < 4 || len(line) == 5:
		return "", "", false
	case len(line) == 4:
		return strings.ToUpper(line), "", true
	case line[4] != ' ':
		return "", "", false
	}
	return strings.ToUpper(line[:4]), strings.TrimSpace(line[5:]), true
}

// isAuth reports whether the line is an AUTH command in any form,
// including the malformed ones ("AUTH " and a control character).
func isAuth(line string) bool {
	if len(line) < 4 || !strings.EqualFold(line[:4], "AUTH") {
		return false
	}
	return len(line) == 4 || line[4] == ' ' || line[4] == '\t'
}

// pathArgument returns the path argument of the MAIL or RCPT line go-smtp
// is handling: the text after "FROM:" or "TO:".
func (c *conn) pathArgument(prefix string) (string, bool) {
	_, arg, ok := parseCommand(c.line)
	if !ok || len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(arg[len(prefix):]), true
}
