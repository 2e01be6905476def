package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/client"
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

// TestDev_LogsIdentifyNobody drives a whole inbox life cycle with logging at
// debug level and checks that no line holds the client's address, the
// token, the inbox address or anything from the message.
func TestDev_LogsIdentifyNobody(t *testing.T) {
	logs := &lockedBuffer{}
	cfg := testConfig(t)
	svc := startTestDevLogging(t, cfg, io.MultiWriter(logs, testWriter{t}))
	ctx := context.Background()
	inbox := newInbox(t, svc, apitypes.CreateInbox{Prefix: "privacy-check", TTL: "2s"})

	subject, body, sender := "Subject-Marker-7Q2", "Body-Marker-9X4", "sender-marker@sender.example.test"
	clientAddr := deliverRaw(t, svc.smtpAddr(), sender, inbox.Address, simpleMessage(inbox.Address, subject, body))
	msg := waitForMessages(t, svc, inbox.Token, 1)[0]
	if _, err := svc.edgeClient().Message(ctx, inbox.Token, msg.ID); err != nil {
		t.Fatal(err)
	}
	badToken(t, svc)
	waitUntil(t, inbox.ExpiresAt.Add(5*time.Second), "the inbox to expire", func() bool {
		_, err := svc.edgeClient().Inbox(ctx, inbox.Token)
		return client.IsUnauthorized(err)
	})
	stopTestDev(t, svc)

	out := logs.String()
	if !strings.Contains(out, "message accepted") {
		t.Fatalf("the logs lack the delivery line, so the check below would prove nothing:\n%s", out)
	}
	local := strings.SplitN(inbox.Address, "@", 2)[0]
	for _, secret := range []string{clientAddr, inbox.Token, inbox.Address, local, "privacy-check", subject, body, sender} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

// deliverRaw sends one message over a connection it dials itself and
// returns the client's own address of that connection.
func deliverRaw(t *testing.T, addr, from, to string, raw []byte) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	d := &smtpDialogue{t: t, conn: textproto.NewConn(conn)}
	d.expect("", 220)
	d.expect("EHLO client.example.test", 250)
	d.expect("MAIL FROM:<"+from+">", 250)
	d.expect("RCPT TO:<"+to+">", 250)
	d.expect("DATA", 354)
	w := d.conn.DotWriter()
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	d.expect("", 250)
	d.expect("QUIT", 221)
	return conn.LocalAddr().String()
}

func badToken(t *testing.T, svc *devService) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+svc.edge.HTTPAddr().String()+"/api/v1/inbox", nil)
	req.Header.Set("Authorization", "Bearer wrong-token-marker")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: status %d, want 401", resp.StatusCode)
	}
}
