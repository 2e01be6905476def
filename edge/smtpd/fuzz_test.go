package smtpd

import (
	"bytes"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzSession writes arbitrary client bytes to a real server after its
// greeting, then half-closes, and reads every reply. The server must not
// panic, every reply line must be well-formed, and the messages stored
// must be exactly those that got the final 250 of DATA or BDAT LAST and
// keep the content rules. Seeds are in testdata/fuzz/FuzzSession.
//
// The server listens on a Unix socket: at thousands of connections a
// second, TCP on loopback runs out of ports to TIME-WAIT.
func FuzzSession(f *testing.F) {
	dir := f.TempDir()
	certFile, keyFile, _ := testCert(f, dir, "1")
	ln, err := net.Listen("unix", filepath.Join(dir, "smtp.sock"))
	if err != nil {
		f.Skipf("no unix socket: %v", err)
	}
	backend := newFakeBackend("bob@example.test", "zoë@example.test", "bob.box@example.test", "carol@example.test")
	srv := startServerOn(f, ln, Config{
		MaxMessageSize: 64 << 10, MaxLineLength: 2000, MaxRecipients: 5,
		MaxConnections: 10000, MaxConnectionsPerClient: 10000,
		TLSCertFile: certFile, TLSKeyFile: keyFile,
		CommandTimeout: 5 * time.Second, DataTimeout: 5 * time.Second,
	}, backend)

	f.Fuzz(func(t *testing.T, input []byte) {
		backend.mu.Lock()
		backend.stored = nil
		backend.mu.Unlock()
		logStart := srv.logs.Len()

		replies := exchange(t, ln.Addr(), input)
		accepted := 0
		for _, line := range replies {
			if !wellFormedReply(line) {
				t.Fatalf("malformed reply line %q", line)
			}
			if line == "250 2.0.0 OK: queued" {
				accepted++
			}
		}
		stored := backend.messages()
		if len(stored) != accepted {
			t.Fatalf("stored %d messages, but %d got the final 250", len(stored), accepted)
		}
		for _, m := range stored {
			limits := contentLimits{maxSize: 64 << 10, maxLine: 2000}
			if _, err := io.Copy(io.Discard, newContentChecker(bytes.NewReader(m.Content), limits)); err != nil {
				t.Fatalf("stored content breaks the content rules (%v): %q", err, m.Content)
			}
		}
		if logs := srv.logs.since(logStart); strings.Contains(logs, "panic") {
			t.Fatalf("server logged a panic:\n%s", logs)
		}
	})
}

// exchange connects, reads the greeting, writes input, half-closes and
// returns every reply line until the server closes.
func exchange(t *testing.T, addr net.Addr, input []byte) []string {
	t.Helper()
	conn, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := newClient(t, conn)
	if g := c.reply(); g.Code != 220 {
		t.Fatalf("greeting: got %v, want 220", g)
	}

	// Write while reading, so that a long input does not block on replies
	// that are not read.
	written := make(chan error, 1)
	go func() {
		_ = conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
		_, err := conn.Write(input)
		if err == nil {
			err = conn.(interface{ CloseWrite() error }).CloseWrite()
		}
		written <- err
	}()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	out, err := io.ReadAll(c.r)
	if err != nil && !isConnReset(err) {
		t.Fatalf("read replies: %v", err)
	}
	<-written // a write error only means the server closed first
	text := strings.TrimSuffix(string(out), "\r\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\r\n")
}

// isConnReset reports a reset, which a client that writes after the
// server closed may get.
func isConnReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// wellFormedReply reports whether line is "NNN" followed by a space or a
// hyphen and printable text.
func wellFormedReply(line string) bool {
	if len(line) < 4 || (line[3] != ' ' && line[3] != '-') {
		return false
	}
	for i := range 3 {
		if line[i] < '0' || line[i] > '9' {
			return false
		}
	}
	return !strings.ContainsAny(line, "\r\n\x00")
}
