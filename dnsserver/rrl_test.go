package dnsserver

import (
	"encoding/hex"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// frozenClock returns a clock that never moves, so a token bucket never
// refills during a test.
func frozenClock() func() time.Time {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time { return at }
}

// burst sends n UDP queries built by query at once from one socket, and
// returns the replies by kind. It reads until want replies have arrived,
// and then for a tenth of a second more to catch any extra, or until five
// seconds have passed, which a loaded machine may need.
func burst(t *testing.T, addr net.Addr, n, want int, query func(id uint16) *dns.Msg) (full, slipped int) {
	t.Helper()
	conn, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	for i := range n {
		packet, err := query(uint16(i + 1)).Pack()
		if err != nil {
			t.Fatalf("pack: %v", err)
		}
		if _, err := conn.Write(packet); err != nil {
			t.Fatalf("send: %v", err)
		}
	}

	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2048)
	for {
		if full+slipped == want {
			_ = conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		}
		size, err := conn.Read(buf)
		if err != nil {
			return full, slipped
		}
		reply := new(dns.Msg)
		if err := reply.Unpack(buf[:size]); err != nil {
			t.Fatalf("unpack reply: %v", err)
		}
		switch {
		case reply.Truncated && len(reply.Answer) == 0:
			slipped++
		case len(reply.Answer) == 1:
			full++
		default:
			t.Errorf("unexpected reply: %v", reply)
		}
	}
}

func rateLimitedServer(t *testing.T) testServer {
	t.Helper()
	cfg := Config{
		Source:    fixedSource(testState()),
		RateLimit: RateLimit{Rate: 5, Slip: 2, IPv4Prefix: 24, IPv6Prefix: 64},
	}
	return startPrepared(t, cfg, func(s *Server) { s.rrl.now = frozenClock() })
}

// TestRateLimit_DropsAndSlips sends 20 queries at once from one /24 with
// a rate of 5 per second and slip 2: the bucket holds 5 replies, and of the
// 15 limited ones every second goes out truncated and empty.
func TestRateLimit_DropsAndSlips(t *testing.T) {
	srv := rateLimitedServer(t)

	full, slipped := burst(t, srv.UDPAddr(), 20, 12, func(id uint16) *dns.Msg {
		m := newQuery("mayfly.test.", dns.TypeSOA)
		m.Id = id
		return m
	})

	if full != 5 || slipped != 7 {
		t.Errorf("replies: got %d full and %d slipped, want 5 and 7 (8 dropped)", full, slipped)
	}
	if got := testutilCounter(t, srv.Collector(), "mayfly_dns_rrl_actions_total", "action", "drop"); got != 8 {
		t.Errorf("drop counter: got %v, want 8", got)
	}
}

// TestRateLimit_TCPIsNotLimited checks that TCP answers stay complete when
// the UDP bucket is empty.
func TestRateLimit_TCPIsNotLimited(t *testing.T) {
	srv := rateLimitedServer(t)
	burst(t, srv.UDPAddr(), 10, 5+2, func(id uint16) *dns.Msg { return newQuery("mayfly.test.", dns.TypeSOA) })

	for range 10 {
		if reply := exchange(t, "tcp", srv.TCPAddr(), newQuery("mayfly.test.", dns.TypeSOA)); len(reply.Answer) != 1 {
			t.Fatalf("TCP reply: got %d answers, want 1", len(reply.Answer))
		}
	}
}

// TestRateLimit_ValidServerCookiePasses learns a server cookie over TCP,
// then sends a burst with it: none of the replies is limited, because a
// client that returns our cookie cannot have forged its address.
func TestRateLimit_ValidServerCookiePasses(t *testing.T) {
	srv := rateLimitedServer(t)
	clientCookie := "0102030405060708"
	serverCookie := learnServerCookie(t, srv.TCPAddr(), clientCookie)

	full, slipped := burst(t, srv.UDPAddr(), 20, 20, func(id uint16) *dns.Msg {
		m := withCookie(newQuery("mayfly.test.", dns.TypeSOA), clientCookie+serverCookie)
		m.Id = id
		return m
	})
	if full != 20 || slipped != 0 {
		t.Errorf("replies with a valid cookie: got %d full and %d slipped, want 20 and 0", full, slipped)
	}

	// A cookie issued to this client cookie but tampered with is limited.
	// The last hex digit changes to another hex digit, so that the option
	// still packs.
	forged := []byte(serverCookie)
	if forged[len(forged)-1] == '0' {
		forged[len(forged)-1] = '1'
	} else {
		forged[len(forged)-1] = '0'
	}
	full, _ = burst(t, srv.UDPAddr(), 20, 12, func(id uint16) *dns.Msg {
		m := withCookie(newQuery("mayfly.test.", dns.TypeSOA), clientCookie+string(forged))
		m.Id = id
		return m
	})
	if full > 5 {
		t.Errorf("replies with a forged cookie: got %d full, want at most 5", full)
	}
}

func TestRateLimiter_NetworksShareBuckets(t *testing.T) {
	l := newRateLimiter(RateLimit{Rate: 1, Slip: 0, IPv4Prefix: 24, IPv6Prefix: 64})
	l.now = frozenClock()
	decide := func(addr string) rrlAction { return l.decide(netip.MustParseAddr(addr)) }

	if decide("192.0.2.1") != rrlSend || decide("192.0.2.200") != rrlDrop {
		t.Errorf("IPv4 /24: got a second reply from the same /24, want it dropped")
	}
	if decide("192.0.3.1") != rrlSend {
		t.Errorf("IPv4: got another /24 limited, want its own bucket")
	}
	if decide("2001:db8::1") != rrlSend || decide("2001:db8::ffff:1") != rrlDrop {
		t.Errorf("IPv6 /64: got a second reply from the same /64, want it dropped")
	}
	if decide("2001:db8:0:1::1") != rrlSend {
		t.Errorf("IPv6: got another /64 limited, want its own bucket")
	}
}

// withCookie adds an OPT record with a COOKIE option of the given hex.
func withCookie(m *dns.Msg, cookie string) *dns.Msg {
	m.SetEdns0(1232, false)
	opt := m.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: cookie})
	return m
}

// learnServerCookie sends the client cookie over TCP and returns the
// server cookie of the reply in hex.
func learnServerCookie(t *testing.T, addr net.Addr, clientCookie string) string {
	t.Helper()
	reply := exchange(t, "tcp", addr, withCookie(newQuery("mayfly.test.", dns.TypeSOA), clientCookie))
	cookie := replyCookie(t, reply)
	if len(cookie) != 2*(clientCookieSize+serverCookieSize) || cookie[:16] != clientCookie {
		t.Fatalf("reply cookie: got %q, want the client cookie and a 16-octet server cookie", cookie)
	}
	return cookie[16:]
}

func replyCookie(t *testing.T, reply *dns.Msg) string {
	t.Helper()
	opt := reply.IsEdns0()
	if opt == nil {
		t.Fatalf("reply has no OPT record")
	}
	for _, o := range opt.Option {
		if c, ok := o.(*dns.EDNS0_COOKIE); ok {
			return c.Cookie
		}
	}
	t.Fatalf("reply has no COOKIE option")
	return ""
}

// TestCookies checks the server cookie of RFC 9018: version 1, the
// timestamp, stable validation for the issuing address only, expiry after
// an hour, and FORMERR for a malformed option.
func TestCookies(t *testing.T) {
	jar := newCookieJar([]byte("0123456789abcdef"))
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	jar.now = func() time.Time { return now }
	client := netip.MustParseAddr("192.0.2.7")
	cc := []byte{1, 2, 3, 4, 5, 6, 7, 8}

	issued := jar.reply(cc, client)
	raw, err := hex.DecodeString(issued.Cookie)
	if err != nil || len(raw) != 24 || raw[8] != 1 {
		t.Fatalf("issued cookie %q: want 8 client octets, then version 1 and 15 more", issued.Cookie)
	}
	opt := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}, Option: []dns.EDNS0{issued}}

	if c := jar.check(opt, client); !c.valid {
		t.Errorf("own cookie from the same address: got invalid, want valid")
	}
	if c := jar.check(opt, netip.MustParseAddr("192.0.2.8")); c.valid {
		t.Errorf("own cookie from another address: got valid, want invalid")
	}
	now = now.Add(59 * time.Minute)
	if c := jar.check(opt, client); !c.valid {
		t.Errorf("cookie 59 minutes old: got invalid, want valid")
	}
	now = now.Add(2 * time.Minute)
	if c := jar.check(opt, client); c.valid {
		t.Errorf("cookie 61 minutes old: got valid, want invalid")
	}

	for _, bad := range []string{"01020304", "0102030405060708aabb", "zz02030405060708"} {
		opt := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}, Option: []dns.EDNS0{&dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: bad}}}
		if c := jar.check(opt, client); !c.malformed {
			t.Errorf("cookie %q: got accepted, want malformed", bad)
		}
	}
}

// TestCookies_Dig checks that dig, which sends a client cookie by default,
// gets it back with a server cookie and reports it good.
func TestCookies_Dig(t *testing.T) {
	requireDig(t)
	srv := startServer(t, fixedSource(testState()))
	host, port := splitAddr(t, srv.UDPAddr().String())

	r := runDig(t, []string{"@" + host, "-p", port, "+norec", "+time=2", "+tries=1", "+cookie", "SOA", "mayfly.test."})
	if !containsLine(r.output, "; COOKIE: ", "(good)") {
		t.Errorf("dig output has no good COOKIE line:\n%s", r.output)
	}
}

func containsLine(output, prefix, suffix string) bool {
	for _, line := range strings.Split(output, "\n") {
		if strings.HasPrefix(line, prefix) && strings.HasSuffix(line, suffix) {
			return true
		}
	}
	return false
}
