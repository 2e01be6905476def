package dnsserver

import (
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// udpExchangeRaw sends packet to addr over UDP and returns the reply bytes.
func udpExchangeRaw(t *testing.T, addr net.Addr, packet []byte) []byte {
	t.Helper()
	conn, err := net.Dial("udp", addr.String())
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		t.Fatalf("set deadline: %v", err)
	}
	if _, err := conn.Write(packet); err != nil {
		t.Fatalf("write query: %v", err)
	}
	buf := make([]byte, dns.MaxMsgSize)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	return buf[:n]
}

// withEDNS adds an OPT record advertising size to m and returns it.
func withEDNS(m *dns.Msg, size uint16) *dns.Msg {
	m.SetEdns0(size, false)
	return m
}

func TestServer_TruncatesToClientLimit(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))

	tests := []struct {
		name      string
		query     *dns.Msg
		wantLimit int
		wantTC    bool
		wantOPT   bool
	}{
		{name: "no EDNS", query: newQuery("big-mayfly.test.", dns.TypeMX), wantLimit: 512, wantTC: true},
		{name: "EDNS 512", query: withEDNS(newQuery("big-mayfly.test.", dns.TypeMX), 512), wantLimit: 512, wantTC: true, wantOPT: true},
		{name: "EDNS below 512 read as 512", query: withEDNS(newQuery("big-mayfly.test.", dns.TypeMX), 100), wantLimit: 512, wantTC: true, wantOPT: true},
		{name: "EDNS 1232", query: withEDNS(newQuery("big-mayfly.test.", dns.TypeMX), 1232), wantLimit: 1232, wantOPT: true},
		{name: "EDNS 4096 capped at 1232", query: withEDNS(newQuery("big-mayfly.test.", dns.TypeMX), 4096), wantLimit: 1232, wantOPT: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			packet, err := tt.query.Pack()
			if err != nil {
				t.Fatalf("pack query: %v", err)
			}
			raw := udpExchangeRaw(t, srv.UDPAddr(), packet)
			reply := new(dns.Msg)
			if err := reply.Unpack(raw); err != nil {
				t.Fatalf("unpack reply: %v", err)
			}

			if len(raw) > tt.wantLimit {
				t.Errorf("reply size: got %d octets, want at most %d", len(raw), tt.wantLimit)
			}
			if reply.Truncated != tt.wantTC {
				t.Errorf("TC: got %v, want %v", reply.Truncated, tt.wantTC)
			}
			if got := reply.IsEdns0() != nil; got != tt.wantOPT {
				t.Errorf("OPT present: got %v, want %v", got, tt.wantOPT)
			}
			if !tt.wantTC && len(reply.Answer) != bigEdges {
				t.Errorf("answer records: got %d, want %d", len(reply.Answer), bigEdges)
			}
		})
	}
}

func TestServer_TCPRepliesAreComplete(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))

	reply := exchange(t, "tcp", srv.TCPAddr(), newQuery("big-mayfly.test.", dns.TypeMX))

	if reply.Truncated {
		t.Errorf("TC: got true, want false")
	}
	if len(reply.Answer) != bigEdges {
		t.Errorf("answer records: got %d, want %d", len(reply.Answer), bigEdges)
	}
	if len(reply.Extra) != bigEdges {
		t.Errorf("additional records: got %d, want %d", len(reply.Extra), bigEdges)
	}
	if reply.IsEdns0() != nil {
		t.Errorf("OPT: got one, want none for a query without EDNS")
	}
}

func TestServer_EDNS(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))

	t.Run("OPT echoed with our size", func(t *testing.T) {
		reply := exchange(t, "udp", srv.UDPAddr(), withEDNS(newQuery("mayfly.test.", dns.TypeSOA), 4096))
		opt := reply.IsEdns0()
		if opt == nil {
			t.Fatalf("OPT: got none, want one")
		}
		if opt.UDPSize() != maxUDPSize || opt.Version() != 0 || opt.Do() {
			t.Errorf("OPT: got size %d version %d DO %v, want size %d version 0 DO false", opt.UDPSize(), opt.Version(), opt.Do(), maxUDPSize)
		}
	})

	t.Run("no OPT without EDNS", func(t *testing.T) {
		reply := exchange(t, "udp", srv.UDPAddr(), newQuery("mayfly.test.", dns.TypeSOA))
		if reply.IsEdns0() != nil {
			t.Errorf("OPT: got one, want none")
		}
	})

	t.Run("DO bit copied", func(t *testing.T) {
		q := newQuery("mayfly.test.", dns.TypeSOA)
		q.SetEdns0(1232, true)
		reply := exchange(t, "udp", srv.UDPAddr(), q)
		if opt := reply.IsEdns0(); opt == nil || !opt.Do() {
			t.Errorf("OPT: got %v, want one with DO set", opt)
		}
	})

	t.Run("unknown option ignored", func(t *testing.T) {
		q := withEDNS(newQuery("mayfly.test.", dns.TypeSOA), 1232)
		opt := q.IsEdns0()
		opt.Option = append(opt.Option, &dns.EDNS0_LOCAL{Code: 65001, Data: []byte{0xde, 0xad, 0xbe, 0xef}})
		reply := exchange(t, "udp", srv.UDPAddr(), q)

		if reply.Rcode != dns.RcodeSuccess || len(reply.Answer) != 1 {
			t.Errorf("reply: got rcode %s with %d answers, want NOERROR with the SOA", dns.RcodeToString[reply.Rcode], len(reply.Answer))
		}
		if ropt := reply.IsEdns0(); ropt == nil || len(ropt.Option) != 0 {
			t.Errorf("OPT: got %v, want one without options", ropt)
		}
	})

	t.Run("version 1 gets BADVERS", func(t *testing.T) {
		q := withEDNS(newQuery("mayfly.test.", dns.TypeSOA), 1232)
		q.IsEdns0().SetVersion(1)
		reply := exchange(t, "udp", srv.UDPAddr(), q)

		if reply.Rcode != dns.RcodeBadVers {
			t.Errorf("rcode: got %d, want BADVERS (16)", reply.Rcode)
		}
		opt := reply.IsEdns0()
		if opt == nil || opt.Version() != 0 {
			t.Errorf("OPT: got %v, want one with version 0", opt)
		}
		if len(reply.Question) != 1 || reply.Question[0].Name != "mayfly.test." || reply.Question[0].Qtype != dns.TypeSOA {
			t.Errorf("question: got %v, want mayfly.test. IN SOA", reply.Question)
		}
		if len(reply.Answer) != 0 {
			t.Errorf("answer records: got %d, want 0", len(reply.Answer))
		}
	})

	t.Run("two OPT records get FORMERR", func(t *testing.T) {
		q := withEDNS(newQuery("mayfly.test.", dns.TypeSOA), 1232)
		second := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
		second.SetUDPSize(1232)
		q.Extra = append(q.Extra, second)
		reply := exchange(t, "udp", srv.UDPAddr(), q)

		if reply.Rcode != dns.RcodeFormatError {
			t.Errorf("rcode: got %s, want FORMERR", dns.RcodeToString[reply.Rcode])
		}
		if reply.IsEdns0() != nil {
			t.Errorf("OPT: got one, want none")
		}
	})
}
