package smtpd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/address"
)

// testHost is the host name of the servers under test.
const testHost = "mx.example.test"

// fakeBackend serves the domains and inboxes it is given and records what
// it receives.
type fakeBackend struct {
	mu       sync.Mutex
	domains  map[string]bool
	inboxes  map[string]bool
	checkErr error // returned by CheckRecipient instead of a lookup
	beginErr error
	// commitGate, when set, holds Commit until it is closed.
	commitGate chan struct{}

	checked  []address.Address
	stored   []storedMessage
	aborted  int
	begun    int
	inCommit int
}

var _ Backend = (*fakeBackend)(nil)

// storedMessage is one committed message.
type storedMessage struct {
	Envelope Envelope
	Content  []byte
}

func newFakeBackend(inboxes ...string) *fakeBackend {
	b := &fakeBackend{domains: map[string]bool{"example.test": true}, inboxes: map[string]bool{}}
	for _, in := range inboxes {
		b.addInbox(in)
	}
	return b
}

func (b *fakeBackend) addInbox(addr string) {
	a, _, err := address.Parse(addr)
	if err != nil {
		panic(fmt.Sprintf("test inbox %q: %v", addr, err))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inboxes[a.String()] = true
	b.domains[a.Domain] = true
}

func (b *fakeBackend) CheckRecipient(_ context.Context, addr address.Address) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.checked = append(b.checked, addr)
	switch {
	case b.checkErr != nil:
		return b.checkErr
	case !b.domains[addr.Domain]:
		return ErrDomainNotServed
	case !b.inboxes[addr.String()]:
		return ErrNoMailbox
	}
	return nil
}

func (b *fakeBackend) BeginDelivery(_ context.Context, env Envelope) (Delivery, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.beginErr != nil {
		return nil, b.beginErr
	}
	b.begun++
	return &fakeDelivery{backend: b, env: env}, nil
}

func (b *fakeBackend) messages() []storedMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]storedMessage(nil), b.stored...)
}

func (b *fakeBackend) checkedAddresses() []address.Address {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]address.Address(nil), b.checked...)
}

func (b *fakeBackend) counts() (begun, stored, aborted int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.begun, len(b.stored), b.aborted
}

// inbox returns the messages stored for one normalised address.
func (b *fakeBackend) inbox(addr string) []storedMessage {
	var out []storedMessage
	for _, m := range b.messages() {
		for _, r := range m.Envelope.Recipients {
			if r.Address.String() == addr {
				out = append(out, m)
			}
		}
	}
	return out
}

// fakeDelivery keeps the content in memory, which a real Delivery must not.
type fakeDelivery struct {
	backend *fakeBackend
	env     Envelope
	buf     bytes.Buffer
	ended   bool
}

func (d *fakeDelivery) Write(p []byte) (int, error) {
	if d.ended {
		return 0, errors.New("delivery ended")
	}
	return d.buf.Write(p)
}

func (d *fakeDelivery) Commit(ctx context.Context) (int, error) {
	b := d.backend
	b.mu.Lock()
	gate := b.commitGate
	b.inCommit++
	b.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			d.Abort()
			return 0, ctx.Err()
		}
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	d.ended = true
	live := 0
	for _, r := range d.env.Recipients {
		if b.inboxes[r.Address.String()] {
			live++
		}
	}
	if live == 0 {
		return 0, ErrNoMailbox
	}
	b.stored = append(b.stored, storedMessage{Envelope: d.env, Content: bytes.Clone(d.buf.Bytes())})
	return live, nil
}

func (d *fakeDelivery) Abort() {
	b := d.backend
	b.mu.Lock()
	defer b.mu.Unlock()
	if !d.ended {
		d.ended = true
		b.aborted++
	}
}

// logBuffer collects a server's log output; the tests print it on failure.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Len returns the length of the log so far, for since.
func (l *logBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Len()
}

// since returns the log written after it had length n.
func (l *logBuffer) since(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf.Bytes()[n:])
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testServer is a running server on 127.0.0.1.
type testServer struct {
	*Server
	addr    string
	backend *fakeBackend
	logs    *logBuffer
}

// startServer runs a server with cfg on a free loopback port until the
// test ends. Empty Hostname and zero timeouts get test values.
func startServer(t testing.TB, cfg Config, backend *fakeBackend) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startServerOn(t, ln, cfg, backend)
}

// startServerOn runs a server on ln until the test ends.
func startServerOn(t testing.TB, ln net.Listener, cfg Config, backend *fakeBackend) *testServer {
	t.Helper()
	logs := &logBuffer{}
	if cfg.Hostname == "" {
		cfg.Hostname = testHost
	}
	if cfg.CommandTimeout == 0 {
		cfg.CommandTimeout = 10 * time.Second
	}
	if cfg.DataTimeout == 0 {
		cfg.DataTimeout = 10 * time.Second
	}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := New(cfg, backend)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	return &testServer{Server: srv, addr: ln.Addr().String(), backend: backend, logs: logs}
}

// smtpReply is one complete reply: its code and the text of its lines.
type smtpReply struct {
	Code  int
	Lines []string
}

func (r smtpReply) String() string { return strings.Join(r.Lines, " | ") }

// text returns the text of the last line after the code.
func (r smtpReply) text() string {
	if len(r.Lines) == 0 {
		return ""
	}
	last := r.Lines[len(r.Lines)-1]
	if len(last) < 4 {
		return ""
	}
	return last[4:]
}

// enhanced returns the enhanced status code of the reply, such as 5.1.1.
func (r smtpReply) enhanced() string {
	code, _, _ := strings.Cut(r.text(), " ")
	return code
}

// client is a raw SMTP client that writes bytes and reads replies.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

// dial connects and reads the greeting.
func dial(t *testing.T, addr string) (*client, smtpReply) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := newClient(t, conn)
	return c, c.reply()
}

func newClient(t *testing.T, conn net.Conn) *client {
	return &client{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// dialReady connects, checks the greeting and sends EHLO.
func dialReady(t *testing.T, addr string) *client {
	t.Helper()
	c, greeting := dial(t, addr)
	if greeting.Code != 220 {
		t.Fatalf("greeting = %v, want 220", greeting)
	}
	c.expect("EHLO client.example.test", 250)
	return c
}

func (c *client) write(b []byte) {
	c.t.Helper()
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// reply reads one reply; it fails the test on timeout or a closed
// connection.
func (c *client) reply() smtpReply {
	c.t.Helper()
	r, err := c.tryReply()
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return r
}

// tryReply reads one reply and returns the read error instead of failing.
func (c *client) tryReply() (smtpReply, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var r smtpReply
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return r, err
		}
		line = strings.TrimRight(line, "\r\n")
		r.Lines = append(r.Lines, line)
		if len(line) < 4 {
			return r, fmt.Errorf("malformed reply line %q", line)
		}
		if line[3] == ' ' {
			r.Code, err = strconv.Atoi(line[:3])
			return r, err
		}
	}
}

// replies reads replies until the server closes the connection, then
// closes the client's side as a real client does.
func (c *client) replies() []smtpReply {
	c.t.Helper()
	var out []smtpReply
	for {
		r, err := c.tryReply()
		if errors.Is(err, io.EOF) && len(r.Lines) == 0 {
			c.conn.Close()
			return out
		}
		if err != nil {
			c.t.Fatalf("read replies: %v (after %v)", err, out)
		}
		out = append(out, r)
	}
}

// cmd sends one command line and returns its reply.
func (c *client) cmd(line string) smtpReply {
	c.t.Helper()
	c.write([]byte(line + "\r\n"))
	return c.reply()
}

// expect sends one command line and checks the reply code.
func (c *client) expect(line string, code int) smtpReply {
	c.t.Helper()
	r := c.cmd(line)
	if r.Code != code {
		c.t.Fatalf("%q: got %v, want %d", line, r, code)
	}
	return r
}

// sendData sends DATA, the dot-stuffed content and the end marker and
// returns the final reply.
func (c *client) sendData(content []byte) smtpReply {
	c.t.Helper()
	c.expect("DATA", 354)
	c.write(dotStuff(content))
	return c.reply()
}

// closed reports whether the server closed the connection, reading
// whatever it still sent.
func (c *client) closed() bool {
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c.r)
	c.conn.Close()
	return err == nil
}

// dotStuff frames content for DATA: a dot doubled at each line start and
// CRLF "." CRLF after the content, which gets a final CRLF if it lacks one.
func dotStuff(content []byte) []byte {
	var b bytes.Buffer
	for line := range bytes.SplitAfterSeq(content, []byte("\r\n")) {
		if bytes.HasPrefix(line, []byte(".")) {
			b.WriteByte('.')
		}
		b.Write(line)
	}
	if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	b.WriteString(".\r\n")
	return b.Bytes()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitNoConnections waits until the server has closed every connection.
func waitNoConnections(t *testing.T, srv *testServer) {
	t.Helper()
	waitFor(t, "every connection to close", func() bool {
		srv.limiter.mu.Lock()
		defer srv.limiter.mu.Unlock()
		return len(srv.limiter.conns) == 0
	})
}

const simpleMessage = "From: alice@sender.example.test\r\nTo: bob@example.test\r\nSubject: hello\r\n\r\nhello bob\r\n"
