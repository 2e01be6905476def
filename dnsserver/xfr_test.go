package dnsserver

import (
	"log/slog"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const (
	testKeyName   = "xfr.mayfly-ops.test."
	testKeySecret = "c28xWkdpcjRHUEFxSU5OaDlVNWMzQT09c28xWkdpcjQ="
	otherKeyName  = "other.mayfly-ops.test."
	otherSecret   = "b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcm90aGVyb3Q="
)

// transferConfig allows signed transfers from loopback with the test key.
func transferConfig() Transfer {
	return Transfer{
		Keys:  []TSIGKey{{Name: testKeyName, Secret: testKeySecret}, {Name: otherKeyName, Secret: otherSecret}},
		Allow: []TransferRule{{Prefix: netip.MustParsePrefix("127.0.0.0/8"), Key: testKeyName}},
	}
}

// transferIn runs a zone transfer of m against addr and returns every
// record received, or the error of the first failed envelope.
func transferIn(t *testing.T, addr string, m *dns.Msg, secrets map[string]string) ([]dns.RR, error) {
	t.Helper()
	tr := &dns.Transfer{TsigSecret: secrets, DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second}
	ch, err := tr.In(m, addr)
	if err != nil {
		return nil, err
	}
	var out []dns.RR
	for env := range ch {
		if env.Error != nil {
			return out, env.Error
		}
		out = append(out, env.RR...)
	}
	return out, nil
}

func signedQuery(name string, qtype uint16, key string) *dns.Msg {
	m := newQuery(name, qtype)
	m.SetTsig(key, dns.HmacSHA256, 300, time.Now().Unix())
	return m
}

func TestTransfer_AXFRWithTSIG(t *testing.T) {
	srv := startConfigured(t, Config{Source: fixedSource(testState()), Transfer: transferConfig()})

	m := new(dns.Msg)
	m.SetAxfr("mayfly.test.")
	m.SetTsig(testKeyName, dns.HmacSHA256, 300, time.Now().Unix())
	records, err := transferIn(t, srv.TCPAddr().String(), m, map[string]string{testKeyName: testKeySecret})
	if err != nil {
		t.Fatalf("AXFR: %v", err)
	}

	// RFC 5936 §2.2: the SOA opens and closes the transfer.
	if len(records) < 2 || records[0].Header().Rrtype != dns.TypeSOA || records[len(records)-1].Header().Rrtype != dns.TypeSOA {
		t.Fatalf("AXFR: got %d records, want SOA first and last:\n%v", len(records), records)
	}
	assertRecords(t, "transfer", records[1:len(records)-1], mustRRs(t,
		"mayfly.test. 3600 IN NS ns1.mayfly-ops.test.",
		"mayfly.test. 3600 IN NS ns2.mayfly-ops.test.",
		"mayfly.test. 3600 IN MX 10 a.mx.mayfly-ops.test.",
		"mayfly.test. 3600 IN MX 10 b.mx.mayfly-ops.test.",
		`mayfly.test. 3600 IN TXT "v=spf1 -all"`,
		`_dmarc.mayfly.test. 3600 IN TXT "v=DMARC1; p=reject"`,
	))
}

func TestTransfer_AccessRules(t *testing.T) {
	cfg := transferConfig()
	cfg.Allow = append(cfg.Allow, TransferRule{Prefix: netip.MustParsePrefix("192.0.2.0/24")})
	srv := startConfigured(t, Config{Source: fixedSource(testState()), Transfer: cfg})
	secrets := map[string]string{testKeyName: testKeySecret, otherKeyName: otherSecret, "unknown.test.": otherSecret}

	tests := []struct {
		name      string
		key       string // empty sends the request unsigned
		wantRcode int
	}{
		// Loopback matches only the rule that requires the key; the
		// unsigned rule covers a network the test is not in.
		{name: "unsigned", wantRcode: dns.RcodeRefused},
		{name: "another known key", key: otherKeyName, wantRcode: dns.RcodeRefused},
		{name: "unknown key", key: "unknown.test.", wantRcode: dns.RcodeNotAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newQuery("mayfly.test.", dns.TypeAXFR)
			if tt.key != "" {
				m.SetTsig(tt.key, dns.HmacSHA256, 300, time.Now().Unix())
			}
			client := &dns.Client{Net: "tcp", Timeout: 2 * time.Second, TsigSecret: secrets}
			reply, _, err := client.Exchange(m, srv.TCPAddr().String())
			if err != nil && reply == nil {
				t.Fatalf("exchange: %v", err)
			}
			if reply.Rcode != tt.wantRcode || len(reply.Answer) != 0 {
				t.Errorf("reply: got %s with %d records, want %s with none", dns.RcodeToString[reply.Rcode], len(reply.Answer), dns.RcodeToString[tt.wantRcode])
			}
		})
	}
}

func TestTransfer_RefusedOverUDP(t *testing.T) {
	srv := startConfigured(t, Config{Source: fixedSource(testState()), Transfer: transferConfig()})
	client := &dns.Client{Net: "udp", Timeout: 2 * time.Second, TsigSecret: map[string]string{testKeyName: testKeySecret}}

	reply, _, err := client.Exchange(signedQuery("mayfly.test.", dns.TypeAXFR, testKeyName), srv.UDPAddr().String())
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if reply.Rcode != dns.RcodeRefused || reply.IsTsig() == nil {
		t.Errorf("reply: got %s signed %v, want REFUSED, signed", dns.RcodeToString[reply.Rcode], reply.IsTsig() != nil)
	}
}

func TestTransfer_NotAuthForZoneWeDoNotServe(t *testing.T) {
	srv := startConfigured(t, Config{Source: fixedSource(testState()), Transfer: transferConfig()})
	m := new(dns.Msg)
	m.SetAxfr("a.mx.mayfly-ops.test.") // inside a zone, but not an apex
	m.SetTsig(testKeyName, dns.HmacSHA256, 300, time.Now().Unix())

	_, err := transferIn(t, srv.TCPAddr().String(), m, map[string]string{testKeyName: testKeySecret})
	if err == nil {
		t.Errorf("AXFR of a name that is no zone apex: got records, want an error")
	}
}

func TestTransfer_IXFR(t *testing.T) {
	srv := startConfigured(t, Config{Source: fixedSource(testState()), Transfer: transferConfig()})
	secrets := map[string]string{testKeyName: testKeySecret}

	tests := []struct {
		name         string
		clientSerial uint32
		wantFull     bool
	}{
		{name: "current serial gets the SOA alone", clientSerial: 2025010601},
		{name: "older serial gets a full transfer", clientSerial: 2025010500, wantFull: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := new(dns.Msg)
			m.SetIxfr("mayfly.test.", tt.clientSerial, "ns1.mayfly-ops.test.", "hostmaster.mayfly-ops.test.")
			m.SetTsig(testKeyName, dns.HmacSHA256, 300, time.Now().Unix())
			records, err := transferIn(t, srv.TCPAddr().String(), m, secrets)
			if err != nil {
				t.Fatalf("IXFR: %v", err)
			}
			if got := len(records) > 2; got != tt.wantFull {
				t.Errorf("IXFR: got %d records, want a full transfer %v", len(records), tt.wantFull)
			}
			if records[0].(*dns.SOA).Serial != 2025010601 {
				t.Errorf("IXFR first SOA serial: got %d, want 2025010601", records[0].(*dns.SOA).Serial)
			}
		})
	}
}

// TestTSIG_SignedQueries checks that a signed query gets a signed reply,
// and that a failed signature gets NOTAUTH with an unsigned TSIG record
// that names the error (RFC 8945 §5.2).
func TestTSIG_SignedQueries(t *testing.T) {
	srv := startConfigured(t, Config{Source: fixedSource(testState()), Transfer: transferConfig()})

	good := &dns.Client{Net: "udp", Timeout: 2 * time.Second, TsigSecret: map[string]string{testKeyName: testKeySecret}}
	reply, _, err := good.Exchange(signedQuery("mayfly.test.", dns.TypeSOA, testKeyName), srv.UDPAddr().String())
	if err != nil {
		t.Fatalf("signed exchange: %v", err)
	}
	if reply.Rcode != dns.RcodeSuccess || reply.IsTsig() == nil || len(reply.Answer) != 1 {
		t.Errorf("signed SOA: got %s signed %v with %d answers, want NOERROR, signed, 1", dns.RcodeToString[reply.Rcode], reply.IsTsig() != nil, len(reply.Answer))
	}

	tests := []struct {
		name      string
		key       string
		secrets   map[string]string
		at        time.Time
		network   string
		wantError uint16
	}{
		{name: "wrong secret", key: testKeyName, secrets: map[string]string{testKeyName: otherSecret}, at: time.Now(), network: "udp", wantError: dns.RcodeBadSig},
		{name: "wrong secret over TCP", key: testKeyName, secrets: map[string]string{testKeyName: otherSecret}, at: time.Now(), network: "tcp", wantError: dns.RcodeBadSig},
		{name: "unknown key", key: "unknown.test.", secrets: map[string]string{"unknown.test.": otherSecret}, at: time.Now(), network: "udp", wantError: dns.RcodeBadKey},
		{name: "clock an hour off", key: testKeyName, secrets: map[string]string{testKeyName: testKeySecret}, at: time.Now().Add(-time.Hour), network: "udp", wantError: dns.RcodeBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newQuery("mayfly.test.", dns.TypeSOA)
			m.SetTsig(tt.key, dns.HmacSHA256, 300, tt.at.Unix())
			packed, _, err := dns.TsigGenerate(m, tt.secrets[tt.key], "", false)
			if err != nil {
				t.Fatalf("sign query: %v", err)
			}
			reply := exchangeRawMsg(t, tt.network, srv, packed)
			tsig := reply.IsTsig()
			if reply.Rcode != dns.RcodeNotAuth || len(reply.Answer) != 0 || tsig == nil {
				t.Fatalf("reply: got %s with %d answers and TSIG %v, want NOTAUTH, none, a TSIG error record", dns.RcodeToString[reply.Rcode], len(reply.Answer), tsig)
			}
			if tsig.Error != tt.wantError || tsig.MACSize != 0 || tsig.OrigId != m.Id {
				t.Errorf("TSIG record: got error %s, MAC size %d, original ID %d, want %s, 0, %d", dns.RcodeToString[int(tsig.Error)], tsig.MACSize, tsig.OrigId, dns.RcodeToString[int(tt.wantError)], m.Id)
			}
		})
	}
}

// exchangeRawMsg sends a packed query over network to srv and unpacks the
// reply, without the client's TSIG checks.
func exchangeRawMsg(t *testing.T, network string, srv testServer, packed []byte) *dns.Msg {
	t.Helper()
	addr := srv.UDPAddr().String()
	conn, err := dns.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", network, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write(packed); err != nil {
		t.Fatalf("send: %v", err)
	}
	raw, err := conn.ReadMsgHeader(nil)
	if err != nil {
		t.Fatalf("read reply: %v", err)
	}
	reply := new(dns.Msg)
	if err := reply.Unpack(raw); err != nil {
		t.Fatalf("unpack reply: %v", err)
	}
	return reply
}

// TestTransferRecords_Order checks the AXFR order: SOA, then names and types
// sorted, then SOA, with no record twice.
func TestTransferRecords_Order(t *testing.T) {
	zs := buildZoneSet(testState(), slog.New(slog.DiscardHandler))
	records := zs.zones["mayfly-ops.test."].transferRecords()
	var names []string
	for _, rr := range records[1 : len(records)-1] {
		if rr.Header().Rrtype == dns.TypeSOA {
			t.Fatalf("SOA inside the transfer: %v", rr)
		}
		names = append(names, rr.Header().Name)
	}
	if !slices.IsSorted(names) {
		t.Errorf("owner names out of order: %v", names)
	}
}
