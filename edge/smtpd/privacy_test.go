package smtpd

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestLogs_NameNoClient runs sessions from 127.0.0.2 through success,
// refusals, errors and failures, and looks for anything of the client in
// the server's log at debug level: its address, its envelope, its
// message.
func TestLogs_NameNoClient(t *testing.T) {
	const clientIP = "127.0.0.2"
	certFile, keyFile, _ := testCert(t, t.TempDir(), "1")
	backend := newFakeBackend("bob@example.test")
	srv := startServer(t, Config{
		MaxConnectionsPerClient: 2, MaxErrors: 4, MaxLineLength: 1000,
		CommandTimeout: 300 * time.Millisecond, DataTimeout: 300 * time.Millisecond,
		TLSCertFile: certFile, TLSKeyFile: keyFile,
	}, backend)
	ready := func() *client {
		waitNoConnections(t, srv)
		c := dialFrom(t, clientIP, srv.addr)
		if g := c.reply(); g.Code != 220 {
			t.Fatalf("greeting: got %v, want 220", g)
		}
		c.expect("EHLO client.example.test", 250)
		return c
	}

	// A delivery, refused recipients, a failing backend.
	c := ready()
	c.expect("MAIL FROM:<secret-sender@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	c.expect("RCPT TO:<nobody-here@example.test>", 550)
	c.expect("RCPT TO:<bob@elsewhere.example.net>", 550)
	if r := c.sendData([]byte("Subject: secret-subject\r\n\r\nsecret-body\r\n")); r.Code != 250 {
		t.Fatalf("end of data: got %v, want 250", r)
	}
	backend.mu.Lock()
	backend.checkErr = errors.New("lookup of bob@example.test failed")
	backend.mu.Unlock()
	c.expect("MAIL FROM:<secret-sender@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 451)
	c.expect("QUIT", 221)
	backend.mu.Lock()
	backend.checkErr = nil
	backend.beginErr = errors.New("cannot store for bob@example.test from secret-sender@sender.example.test")
	backend.mu.Unlock()

	// Rejected content, a failed backend, too many errors.
	c = ready()
	c.expect("MAIL FROM:<secret-sender@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	if r := c.sendData([]byte(simpleMessage)); r.Code != 451 {
		t.Fatalf("end of data with a failing backend: got %v, want 451", r)
	}
	c.expect("NOOP "+strings.Repeat("x", 2000), 500)
	c.expect("XYZZY", 500)
	c.write([]byte("XYZZY\r\n"))
	if got := c.replies(); len(got) != 2 || got[1].Code != 421 {
		t.Fatalf("at the error limit: replies = %v, want 500 and 421", got)
	}

	// A command timeout, a failed handshake, a refused connection.
	c = ready()
	if got := c.replies(); len(got) != 1 || got[0].Code != 421 {
		t.Fatalf("timeout: replies = %v, want one 421", got)
	}
	c = ready()
	c.expect("STARTTLS", 220)
	c.write([]byte("this is not a TLS client hello\r\n"))
	c.closed()
	first := ready()
	second := dialFrom(t, clientIP, srv.addr)
	if g := second.reply(); g.Code != 220 {
		t.Fatalf("second connection: got %v, want 220", g)
	}
	refused := dialFrom(t, clientIP, srv.addr)
	if r := refused.reply(); r.Code != 421 {
		t.Fatalf("third connection: got %v, want 421", r)
	}
	refused.closed()

	// Shutdown with sessions open.
	done := shutdownAsync(srv, 5*time.Second)
	first.closed()
	second.closed()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	logs := srv.logs.String()
	for _, secret := range []string{clientIP, "secret-sender", "bob@", "nobody-here", "elsewhere.example.net", "secret-subject", "secret-body"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
	for _, event := range []string{"message accepted", "recipient rejected", "check recipient failed", "tls handshake failed", "connections refused", "command timed out", "too many errors", "begin delivery failed"} {
		if !strings.Contains(logs, event) {
			t.Errorf("log lacks %q, so the test did not cover it:\n%s", event, logs)
		}
	}
}
