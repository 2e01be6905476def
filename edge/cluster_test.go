package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

const (
	testClusterToken = "test-cluster-token"
	testDomain       = "mayfly.test"
)

// lockedBuffer collects log output written from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testWriter sends component logs to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// testLogger logs at debug level to t.Log and to the returned buffer.
func testLogger(t *testing.T, name string) (*slog.Logger, *lockedBuffer) {
	t.Helper()
	buf := &lockedBuffer{}
	h := slog.NewTextHandler(io.MultiWriter(buf, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(h).With("node", name), buf
}

// startControlPlane starts a single-voter control plane on loopback with
// the test domain active in region local.
func startControlPlane(t *testing.T) *controlplane.Node {
	t.Helper()
	logger, _ := testLogger(t, "control")
	node, err := controlplane.Open(controlplane.Config{
		NodeID:           "control-1",
		DataDir:          t.TempDir(),
		RaftListen:       "127.0.0.1:0",
		APIListen:        "127.0.0.1:0",
		Bootstrap:        true,
		OperatorToken:    "test-operator-token",
		ClusterToken:     testClusterToken,
		Logger:           logger,
		HeartbeatTimeout: 200 * time.Millisecond,
		ElectionTimeout:  200 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("open control plane: %v", err)
	}
	t.Cleanup(func() { _ = node.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := node.WaitLeader(ctx); err != nil {
		t.Fatalf("wait for leader: %v", err)
	}
	if _, err := node.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{testDomain}, Region: "local"}); err != nil {
		t.Fatalf("add domain: %v", err)
	}
	return node
}

// testEdgeConfig returns an edge configuration on free loopback ports.
func testEdgeConfig(cp *controlplane.Node) config.Edge {
	cfg := config.Default().Edge
	cfg.SMTPListen = "127.0.0.1:0"
	cfg.HTTPListen = "127.0.0.1:0"
	cfg.InternalListen = "127.0.0.1:0"
	cfg.ControlPlane = []string{"http://" + cp.APIAddr().String()}
	cfg.SweepInterval = 100 * time.Millisecond
	cfg.HeartbeatInterval = time.Second
	return cfg
}

// testEdge is a running edge with its captured logs.
type testEdge struct {
	*Node
	logs *lockedBuffer
}

// startEdge starts an edge and stops it when the test ends.
func startEdge(t *testing.T, cfg config.Edge, id string) *testEdge {
	t.Helper()
	logger, logs := testLogger(t, id)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	node, err := Start(ctx, cfg, Options{NodeID: id, DataDir: t.TempDir(), ClusterToken: testClusterToken, Logger: logger})
	if err != nil {
		t.Fatalf("start edge %s: %v", id, err)
	}
	t.Cleanup(func() { stopEdge(t, node) })
	return &testEdge{Node: node, logs: logs}
}

func stopEdge(t *testing.T, n *Node) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Shutdown(ctx); err != nil {
		t.Errorf("stop edge: %v", err)
	}
}

func (e *testEdge) baseURL() string { return "http://" + e.HTTPAddr().String() }

// ownCode returns the edge's owner code.
func (e *testEdge) ownCode() string { return e.backend.ownCode }

// waitKnows polls until e's directory lists the edge with code.
func (e *testEdge) waitKnows(t *testing.T, code string) {
	t.Helper()
	waitUntil(t, 10*time.Second, "the directory to list owner code "+code, func() bool {
		_, ok := e.dir.EdgeByOwnerCode(code)
		return ok
	})
}

// waitUntil polls cond until it holds or timeout passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clientAddrs records the local addresses of every connection the test
// opens, which are the client addresses the edges see.
type clientAddrs struct {
	mu    sync.Mutex
	addrs []string
}

func (c *clientAddrs) add(addr net.Addr) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addrs = append(c.addrs, addr.String())
}

func (c *clientAddrs) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.addrs...)
}

// httpClient returns a client that records its connections' addresses.
func (c *clientAddrs) httpClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := dialer.DialContext(ctx, network, addr)
				if err == nil {
					c.add(conn.LocalAddr())
				}
				return conn, err
			},
		},
	}
}

// apiReply is a reply of the public API.
type apiReply struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request to url with the bearer token, if any.
func call(t *testing.T, hc *http.Client, method, url, token string, body []byte) apiReply {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read reply to %s %s: %v", method, url, err)
	}
	return apiReply{status: resp.StatusCode, header: resp.Header, body: data}
}

// decode decodes a 2xx JSON reply into out.
func (r apiReply) decode(t *testing.T, out any) {
	t.Helper()
	if r.status/100 != 2 {
		t.Fatalf("got status %d (%s), want 2xx", r.status, r.body)
	}
	if err := json.Unmarshal(r.body, out); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func createInbox(t *testing.T, hc *http.Client, e *testEdge) apitypes.Created {
	t.Helper()
	var created apitypes.Created
	call(t, hc, http.MethodPost, e.baseURL()+"/api/v1/inboxes", "", nil).decode(t, &created)
	return created
}

func listMessages(t *testing.T, hc *http.Client, e *testEdge, token string) []apitypes.MessageSummary {
	t.Helper()
	var list apitypes.Messages
	call(t, hc, http.MethodGet, e.baseURL()+"/api/v1/inbox/messages", token, nil).decode(t, &list)
	return list.Messages
}

// smtpConn is a raw SMTP connection for checking reply codes.
type smtpConn struct {
	t    *testing.T
	conn *textproto.Conn
}

// dialSMTP opens a session to e and records the client address.
func dialSMTP(t *testing.T, e *testEdge, addrs *clientAddrs) *smtpConn {
	t.Helper()
	conn, err := net.Dial("tcp", e.SMTPAddr().String())
	if err != nil {
		t.Fatalf("dial smtp: %v", err)
	}
	addrs.add(conn.LocalAddr())
	c := &smtpConn{t: t, conn: textproto.NewConn(conn)}
	t.Cleanup(func() { c.conn.Close() })
	c.expect("", 220)
	c.expect("EHLO client.example.test", 250)
	return c
}

// send writes one command, unless line is empty, and returns the reply.
func (c *smtpConn) send(line string) (int, string) {
	c.t.Helper()
	if line != "" {
		if err := c.conn.PrintfLine("%s", line); err != nil {
			c.t.Fatalf("send %q: %v", line, err)
		}
	}
	code, msg, err := c.conn.ReadResponse(0)
	if err != nil && code == 0 {
		c.t.Fatalf("read reply to %q: %v", line, err)
	}
	return code, msg
}

func (c *smtpConn) expect(line string, want int) string {
	c.t.Helper()
	code, msg := c.send(line)
	if code != want {
		c.t.Fatalf("%q: got %d %s, want %d", line, code, msg, want)
	}
	return msg
}

// deliver sends raw to the recipients in one transaction and returns the
// reply to the end of DATA.
func (c *smtpConn) deliver(from string, to []string, raw []byte) (int, string) {
	c.t.Helper()
	c.expect("MAIL FROM:<"+from+">", 250)
	for _, rcpt := range to {
		c.expect("RCPT TO:<"+rcpt+">", 250)
	}
	c.expect("DATA", 354)
	return c.data(raw)
}

// data sends the message after a 354 reply and returns the reply to its
// end.
func (c *smtpConn) data(raw []byte) (int, string) {
	c.t.Helper()
	w := c.conn.DotWriter()
	if _, err := w.Write(raw); err != nil {
		c.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		c.t.Fatal(err)
	}
	return c.send("")
}

// testMessage builds a small message with CRLF line endings.
func testMessage(to, subject, body string) []byte {
	lines := []string{
		"From: Sender <sender@example.test>",
		"To: " + to,
		"Subject: " + subject,
		"Date: Mon, 02 Jan 2006 15:04:05 +0000",
		"Message-ID: <" + subject + "@example.test>",
		"",
		body,
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}
