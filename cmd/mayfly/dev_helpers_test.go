package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/client"
)

// testWriter sends component logs to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// testConfig returns the dev defaults on free loopback ports with a data
// directory of the test.
func testConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.NodeID = "test-node"
	cfg.OperatorToken = "test-operator-token"
	cfg.Control.RaftListen = "127.0.0.1:0"
	cfg.Control.APIListen = "127.0.0.1:0"
	cfg.Control.DNSListen = "127.0.0.1:0"
	cfg.Control.HeartbeatTimeout = 200 * time.Millisecond
	cfg.Control.ElectionTimeout = 200 * time.Millisecond
	cfg.Edge.SMTPListen = "127.0.0.1:0"
	cfg.Edge.HTTPListen = "127.0.0.1:0"
	cfg.Edge.InternalListen = "127.0.0.1:0"
	cfg.Edge.SweepInterval = 100 * time.Millisecond
	return cfg
}

// startTestDev starts the dev service and stops it when the test ends.
func startTestDev(t *testing.T, cfg config.Config) *devService {
	t.Helper()
	return startTestDevLogging(t, cfg, testWriter{t})
}

// startTestDevLogging is startTestDev with the logs, at debug level, sent to w.
func startTestDevLogging(t *testing.T, cfg config.Config, w io.Writer) *devService {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	svc, err := startDev(ctx, cfg, logger)
	if err != nil {
		t.Fatalf("start dev service: %v", err)
	}
	t.Cleanup(func() { stopTestDev(t, svc) })
	return svc
}

func stopTestDev(t *testing.T, svc *devService) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := svc.stop(ctx); err != nil {
		t.Errorf("stop dev service: %v", err)
	}
}

func (s *devService) edgeClient() *client.Client {
	return client.New("http://" + s.edge.HTTPAddr().String())
}

func (s *devService) smtpAddr() string { return s.edge.SMTPAddr().String() }

func newInbox(t *testing.T, svc *devService, req apitypes.CreateInbox) apitypes.Created {
	t.Helper()
	created, err := svc.edgeClient().CreateInbox(context.Background(), req)
	if err != nil {
		t.Fatalf("create inbox: %v", err)
	}
	return created
}

// sendMail delivers raw to the recipients over SMTP with go-smtp's client.
func sendMail(t *testing.T, addr, from string, to []string, raw []byte) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatalf("dial smtp: %v", err)
	}
	defer c.Close()
	if err := c.Hello("client.example.test"); err != nil {
		return err
	}
	return c.SendMail(from, to, bytes.NewReader(raw))
}

// smtpDialogue is a raw SMTP connection for checking reply codes.
type smtpDialogue struct {
	t    *testing.T
	conn *textproto.Conn
}

func dialSMTP(t *testing.T, addr string) *smtpDialogue {
	t.Helper()
	conn, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial smtp: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	d := &smtpDialogue{t: t, conn: conn}
	d.expect("", 220)
	d.expect("EHLO client.example.test", 250)
	return d
}

// send writes one command and returns the reply code and text.
func (d *smtpDialogue) send(line string) (int, string) {
	d.t.Helper()
	if line != "" {
		if err := d.conn.PrintfLine("%s", line); err != nil {
			d.t.Fatalf("send %q: %v", line, err)
		}
	}
	code, msg, err := d.conn.ReadResponse(0)
	if err != nil && code == 0 {
		d.t.Fatalf("read reply to %q: %v", line, err)
	}
	return code, msg
}

func (d *smtpDialogue) expect(line string, want int) string {
	d.t.Helper()
	code, msg := d.send(line)
	if code != want {
		d.t.Fatalf("reply to %q = %d %s, want %d", line, code, msg, want)
	}
	return msg
}

// waitForMessages polls the inbox until it lists n messages.
func waitForMessages(t *testing.T, svc *devService, token string, n int) []apitypes.MessageSummary {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, err := svc.edgeClient().Messages(context.Background(), token)
		if err != nil {
			t.Fatalf("list messages: %v", err)
		}
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("inbox lists %d messages, want %d", len(msgs), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// wrap64 base64-encodes b in lines of 76 characters.
func wrap64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s + "\r\n")
	return out.String()
}

// simpleMessage builds a one-part text message.
func simpleMessage(to, subject, body string) []byte {
	return []byte(fmt.Sprintf("From: Sender <sender@sender.example.test>\r\nTo: %s\r\nSubject: %s\r\nDate: Fri, 04 Dec 2026 10:00:00 +0000\r\nMessage-ID: <%d@sender.example.test>\r\n\r\n%s\r\n",
		to, subject, time.Now().UnixNano(), body))
}

func readAllString(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitUntil polls cond until it holds, failing the test at the deadline.
func waitUntil(t *testing.T, deadline time.Time, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
