package smtpd

import (
	"net"
	"strings"
	"sync"
	"testing"
)

// writeLog is a listener whose connections record each write the server
// makes, so a test can see how replies are split into writes.
type writeLog struct {
	net.Listener
	mu     sync.Mutex
	writes []string
}

func (l *writeLog) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &loggedConn{Conn: conn, log: l}, nil
}

func (l *writeLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.writes...)
}

type loggedConn struct {
	net.Conn
	log *writeLog
}

func (c *loggedConn) Write(p []byte) (int, error) {
	c.log.mu.Lock()
	c.log.writes = append(c.log.writes, string(p))
	c.log.mu.Unlock()
	return c.Conn.Write(p)
}

// Every reply, EHLO's lines included, goes to the client in one write.
func TestReplies_OneWriteEach(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &writeLog{Listener: inner}
	srv := startServerOn(t, ln, Config{}, newFakeBackend("user@mayfly.test"))

	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<sender@example.test>", 250)
	c.expect("RCPT TO:<user@mayfly.test>", 250)
	if reply := c.sendData([]byte("Subject: hi\r\n\r\nbody\r\n")); reply.Code != 250 {
		t.Fatalf("after data: got %v, want 250", reply)
	}
	c.expect("QUIT", 221)

	writes := ln.all()
	if len(writes) != 7 {
		t.Fatalf("got %d writes, want 7 (greeting, EHLO, MAIL, RCPT, DATA, end of data, QUIT): %q", len(writes), writes)
	}
	ehlo := writes[1]
	lines := strings.Split(strings.TrimSuffix(ehlo, "\r\n"), "\r\n")
	if len(lines) < 2 {
		t.Fatalf("EHLO reply in one write: got %q, want all its lines", ehlo)
	}
	for i, line := range lines {
		want := "250-"
		if i == len(lines)-1 {
			want = "250 "
		}
		if !strings.HasPrefix(line, want) {
			t.Errorf("EHLO line %d = %q, want it to start with %q", i, line, want)
		}
	}
}
