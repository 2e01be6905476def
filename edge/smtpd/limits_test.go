package smtpd

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestMAIL_DeclaredSizeOverLimit(t *testing.T) {
	srv := startServer(t, Config{MaxMessageSize: 1000}, newFakeBackend())
	c := dialReady(t, srv.addr)
	r := c.expect("MAIL FROM:<alice@sender.example.test> SIZE=1001", 552)
	if r.enhanced() != "5.3.4" {
		t.Errorf("got enhanced code %s, want 5.3.4", r.enhanced())
	}
	c.expect("MAIL FROM:<alice@sender.example.test> SIZE=1000", 250)
}

func TestBDAT_DeclaredChunksOverLimit(t *testing.T) {
	srv := startServer(t, Config{MaxMessageSize: 1000}, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	c.write([]byte("BDAT 1001 LAST\r\n" + strings.Repeat("x", 1001)))
	if r := c.reply(); r.Code != 552 || r.enhanced() != "5.3.4" {
		t.Fatalf("chunk: got %v, want 552 5.3.4", r)
	}
	c.expect("NOOP", 250)
}

func TestCommands_LineTooLong(t *testing.T) {
	srv := startServer(t, Config{MaxLineLength: 1000}, newFakeBackend())
	c := dialReady(t, srv.addr)

	r := c.cmd("NOOP " + strings.Repeat("x", 2000))
	if r.Code != 500 || r.enhanced() != "5.5.6" {
		t.Fatalf("long line: got %v, want 500 5.5.6", r)
	}
	c.expect("NOOP", 250)
	c.expect("NOOP "+strings.Repeat("x", 995), 250) // 1000 octets
}

func TestConnections_TotalLimit(t *testing.T) {
	srv := startServer(t, Config{MaxConnections: 2, MaxConnectionsPerClient: 2}, newFakeBackend())
	first := dialReady(t, srv.addr)
	dialReady(t, srv.addr)

	_, refusal := dial(t, srv.addr)
	if refusal.Code != 421 || refusal.enhanced() != "4.7.0" {
		t.Fatalf("third connection: got %v, want 421 4.7.0", refusal)
	}

	first.expect("QUIT", 221)
	waitFor(t, "a free connection slot", func() bool {
		c, greeting := dial(t, srv.addr)
		c.conn.Close()
		return greeting.Code == 220
	})
}

func TestConnections_PerClientLimit(t *testing.T) {
	srv := startServer(t, Config{MaxConnectionsPerClient: 2}, newFakeBackend())
	dialReady(t, srv.addr)
	dialReady(t, srv.addr)

	_, refusal := dial(t, srv.addr)
	if refusal.Code != 421 || refusal.enhanced() != "4.7.0" {
		t.Fatalf("third connection from 127.0.0.1: got %v, want 421 4.7.0", refusal)
	}

	// Another client is counted on its own.
	other := dialFrom(t, "127.0.0.2", srv.addr)
	if greeting := other.reply(); greeting.Code != 220 {
		t.Errorf("connection from 127.0.0.2: got %v, want 220", greeting)
	}
}

// dialFrom connects from a given loopback address.
func dialFrom(t *testing.T, ip, addr string) *client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("cannot dial from %s: %v", ip, err)
	}
	t.Cleanup(func() { conn.Close() })
	return newClient(t, conn)
}

func TestConnections_RefusalReachesPipeliningClient(t *testing.T) {
	srv := startServer(t, Config{MaxConnections: 1}, newFakeBackend())
	dialReady(t, srv.addr)

	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A client that talks before the greeting: the reply must still
	// arrive, not a reset.
	if _, err := conn.Write([]byte("EHLO client.example.test\r\nMAIL FROM:<a@b.test>\r\n")); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, conn)
	got := c.replies()
	if len(got) != 1 || got[0].Code != 421 {
		t.Fatalf("replies = %v, want one 421", got)
	}
}

func TestSession_TooManyErrors(t *testing.T) {
	srv := startServer(t, Config{MaxErrors: 3}, newFakeBackend())
	c := dialReady(t, srv.addr)
	c.expect("XYZZY", 500)
	c.expect("RCPT TO:<bob@example.test>", 503)
	got := append([]smtpReply{c.cmd("MAIL FROM:<a@b.test> SIZE=x")}, c.replies()...)

	if len(got) != 2 || got[0].Code != 501 || got[1].Code != 421 || got[1].enhanced() != "4.7.0" {
		t.Fatalf("replies to the third error = %v, want 501 then 421 4.7.0 and the end", got)
	}
}

func TestSession_RecipientErrorsCount(t *testing.T) {
	srv := startServer(t, Config{MaxErrors: 2}, newFakeBackend())
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<a@example.test>", 550)
	c.write([]byte("RCPT TO:<b@example.test>\r\n"))
	got := c.replies()
	if len(got) != 2 || got[0].Code != 550 || got[1].Code != 421 {
		t.Fatalf("replies = %v, want 550 then 421", got)
	}
}

func TestSession_CommandTimeout(t *testing.T) {
	srv := startServer(t, Config{CommandTimeout: 200 * time.Millisecond}, newFakeBackend())
	c := dialReady(t, srv.addr)
	start := time.Now()
	got := c.replies()
	if len(got) != 1 || got[0].Code != 421 || got[0].enhanced() != "4.4.2" {
		t.Fatalf("replies = %v, want one 421 4.4.2", got)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("closed after %v, want the command timeout first", waited)
	}
}

func TestDATA_Timeout(t *testing.T) {
	srv := startServer(t, Config{DataTimeout: 200 * time.Millisecond}, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	c.expect("DATA", 354)
	c.write([]byte("Subject: slow\r\n"))

	got := c.replies()
	if len(got) != 1 || got[0].Code != 421 || got[0].enhanced() != "4.4.2" {
		t.Fatalf("replies = %v, want one 421 4.4.2", got)
	}
	if _, stored, aborted := srv.backend.counts(); stored != 0 || aborted != 1 {
		t.Errorf("stored %d and aborted %d deliveries, want 0 and 1", stored, aborted)
	}
}

func TestBDAT_Timeout(t *testing.T) {
	srv := startServer(t, Config{DataTimeout: 200 * time.Millisecond}, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	c.write([]byte("BDAT 100 LAST\r\nonly a few octets"))

	got := c.replies()
	if len(got) != 1 || got[0].Code != 421 || got[0].enhanced() != "4.4.2" {
		t.Fatalf("replies = %v, want one 421 4.4.2", got)
	}
	if n := len(srv.backend.messages()); n != 0 {
		t.Errorf("stored %d messages, want none", n)
	}
}

func TestBDAT_ConnectionLostMidChunk(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	c.write([]byte("BDAT 100 LAST\r\nonly a few octets"))
	c.conn.Close()

	waitFor(t, "the delivery to be aborted", func() bool {
		_, _, aborted := srv.backend.counts()
		return aborted == 1
	})
	if n := len(srv.backend.messages()); n != 0 {
		t.Errorf("stored %d messages from a cut chunk, want none", n)
	}
}
