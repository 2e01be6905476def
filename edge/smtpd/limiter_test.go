package smtpd

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestClientIP(t *testing.T) {
	cases := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 1234}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.7"), Port: 1234}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:3:4:5:6"), Port: 1234}, "2001:db8:1:2::"},
		{&net.UnixAddr{Name: "/run/smtp.sock", Net: "unix"}, "invalid IP"},
	}
	for _, tc := range cases {
		if got := clientIP(tc.addr).String(); got != tc.want {
			t.Errorf("clientIP(%v) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

func TestLimiter_CountsPerClientAcrossSaltRotation(t *testing.T) {
	l := newLimiter(10, 2, time.Hour)
	a1, a2, a3 := testConn("192.0.2.1"), testConn("192.0.2.1"), testConn("192.0.2.1")
	b := testConn("192.0.2.2")
	for _, c := range []*conn{a1, a2, b} {
		if r := l.admit(c); r != nil {
			t.Fatalf("admit: %v, want nil", r)
		}
	}

	// A new salt changes every key, and the open connections are counted
	// again under it.
	oldKey := l.keyOf(a1.clientIP)
	l.mu.Lock()
	l.rotateSalt(time.Now())
	l.mu.Unlock()
	if l.keyOf(a1.clientIP) == oldKey {
		t.Error("key unchanged after the salt rotation")
	}
	if r := l.admit(a3); r != replyClientConns {
		t.Errorf("third connection of a client after rotation: got %v, want %v", r, replyClientConns)
	}

	l.release(a1)
	l.release(a1) // a second release changes nothing
	if r := l.admit(a3); r != nil {
		t.Errorf("after a release: got %v, want nil", r)
	}
	if got := len(l.perClient); got != 2 {
		t.Errorf("clients counted = %d, want 2", got)
	}
}

func TestLimiter_RotatesSaltWhenDue(t *testing.T) {
	l := newLimiter(10, 10, time.Millisecond)
	salt := l.salt
	time.Sleep(2 * time.Millisecond) // the rotation period must pass
	if r := l.admit(testConn("192.0.2.1")); r != nil {
		t.Fatal(r)
	}
	if l.salt == salt {
		t.Error("salt unchanged after the rotation period")
	}
}

func TestLimiter_TotalLimit(t *testing.T) {
	l := newLimiter(2, 2, time.Hour)
	l.admit(testConn("192.0.2.1"))
	l.admit(testConn("192.0.2.2"))
	if r := l.admit(testConn("192.0.2.3")); r != replyTooManyConns {
		t.Errorf("third connection: got %v, want %v", r, replyTooManyConns)
	}
}

func testConn(ip string) *conn {
	return &conn{clientIP: netip.MustParseAddr(ip)}
}
