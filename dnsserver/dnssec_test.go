package dnsserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// signedState returns the fixture with a fresh DNSSEC key.
func signedState(t testing.TB) *state.State {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	raw, err := priv.Bytes()
	if err != nil {
		t.Fatalf("encode key: %v", err)
	}
	st := testState()
	st.DNSSEC = []state.DNSSECKey{{Algorithm: 13, PrivateKey: base64.StdEncoding.EncodeToString(raw), CreatedAt: time.Now()}}
	return st
}

// withDO returns m with EDNS and the DO bit, and the CO bit when compact.
func withDO(m *dns.Msg, compact bool) *dns.Msg {
	m.SetEdns0(1232, true)
	if compact {
		m.IsEdns0().Hdr.Ttl |= ednsFlagCO
	}
	return m
}

// zoneKey asks srv for the DNSKEY of zone and checks its self-signature.
func zoneKey(t *testing.T, srv testServer, zone string) *dns.DNSKEY {
	t.Helper()
	reply := exchange(t, "tcp", srv.TCPAddr(), withDO(newQuery(zone, dns.TypeDNSKEY), false))
	keys, sigs := split(reply.Answer)
	if len(keys) != 1 || len(sigs) != 1 {
		t.Fatalf("DNSKEY answer: got %v, want one key and one RRSIG", reply.Answer)
	}
	key := keys[0].(*dns.DNSKEY)
	if err := sigs[0].Verify(key, keys); err != nil {
		t.Fatalf("DNSKEY self-signature: %v", err)
	}
	return key
}

// split separates the RRSIGs of rrs from the other records.
func split(rrs []dns.RR) (records []dns.RR, sigs []*dns.RRSIG) {
	for _, rr := range rrs {
		if sig, ok := rr.(*dns.RRSIG); ok {
			sigs = append(sigs, sig)
		} else if rr.Header().Rrtype != dns.TypeOPT {
			records = append(records, rr)
		}
	}
	return records, sigs
}

// verifySection checks that every RRset of section has exactly one valid
// RRSIG by key.
func verifySection(t *testing.T, name string, section []dns.RR, key *dns.DNSKEY) {
	t.Helper()
	records, sigs := split(section)
	sets := map[uint16][]dns.RR{}
	for _, rr := range records {
		sets[rr.Header().Rrtype] = append(sets[rr.Header().Rrtype], rr)
	}
	for rrtype, set := range sets {
		i := slices.IndexFunc(sigs, func(s *dns.RRSIG) bool { return s.TypeCovered == rrtype })
		if i < 0 {
			t.Errorf("%s: %s set has no RRSIG", name, dns.TypeToString[rrtype])
			continue
		}
		if err := sigs[i].Verify(key, set); err != nil {
			t.Errorf("%s: RRSIG of %s set: %v", name, dns.TypeToString[rrtype], err)
		}
		if !sigs[i].ValidityPeriod(time.Now()) {
			t.Errorf("%s: RRSIG of %s set is outside its validity period", name, dns.TypeToString[rrtype])
		}
	}
}

func TestDNSSEC_SignedAnswers(t *testing.T) {
	srv := startServer(t, fixedSource(signedState(t)))
	keys := map[string]*dns.DNSKEY{
		"mayfly.test.":     zoneKey(t, srv, "mayfly.test."),
		"mayfly-ops.test.": zoneKey(t, srv, "mayfly-ops.test."),
	}

	tests := []struct {
		name      string
		zone      string // mayfly.test. when empty
		qname     string
		qtype     uint16
		compact   bool
		wantRcode int
		// nsecTypes is the type bitmap of the compact denial, nil for a
		// positive answer.
		nsecTypes []uint16
	}{
		{name: "MX", qname: "mayfly.test.", qtype: dns.TypeMX},
		{name: "question case", qname: "MAYFLY.test.", qtype: dns.TypeTXT},
		{name: "NODATA", qname: "mayfly.test.", qtype: dns.TypeA,
			nsecTypes: []uint16{dns.TypeNS, dns.TypeSOA, dns.TypeMX, dns.TypeTXT, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeDNSKEY}},
		{name: "NXDOMAIN without CO", qname: "nothere.mayfly.test.", qtype: dns.TypeA,
			nsecTypes: []uint16{dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNXNAME}},
		{name: "NXDOMAIN with CO", qname: "nothere.mayfly.test.", qtype: dns.TypeA, compact: true,
			wantRcode: dns.RcodeNameError, nsecTypes: []uint16{dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNXNAME}},
		{name: "NODATA at empty non-terminal", zone: "mayfly-ops.test.", qname: "mx.mayfly-ops.test.", qtype: dns.TypeA,
			nsecTypes: []uint16{dns.TypeRRSIG, dns.TypeNSEC}},
		{name: "signed glue zone answer", zone: "mayfly-ops.test.", qname: "a.mx.mayfly-ops.test.", qtype: dns.TypeAAAA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := exchange(t, "udp", srv.UDPAddr(), withDO(newQuery(tt.qname, tt.qtype), tt.compact))
			if reply.Rcode != tt.wantRcode || !reply.Authoritative {
				t.Fatalf("reply: got %s AA %v, want %s AA", dns.RcodeToString[reply.Rcode], reply.Authoritative, dns.RcodeToString[tt.wantRcode])
			}
			zone := tt.zone
			if zone == "" {
				zone = "mayfly.test."
			}
			verifySection(t, "answer", reply.Answer, keys[zone])
			verifySection(t, "authority", reply.Ns, keys[zone])
			if tt.nsecTypes == nil {
				return
			}
			checkCompactDenial(t, reply, tt.qname, tt.nsecTypes)
		})
	}
}

func checkCompactDenial(t *testing.T, reply *dns.Msg, qname string, wantTypes []uint16) {
	t.Helper()
	i := slices.IndexFunc(reply.Ns, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeNSEC })
	if i < 0 {
		t.Fatalf("authority: got %v, want an NSEC record", reply.Ns)
	}
	nsec := reply.Ns[i].(*dns.NSEC)
	if !strings.EqualFold(nsec.Hdr.Name, qname) || nsec.NextDomain != `\000.`+strings.ToLower(qname) {
		t.Errorf("NSEC: got %s -> %s, want %s -> \\000.%s", nsec.Hdr.Name, nsec.NextDomain, qname, qname)
	}
	slices.Sort(wantTypes)
	if !slices.Equal(nsec.TypeBitMap, wantTypes) {
		t.Errorf("NSEC types: got %v, want %v", nsec.TypeBitMap, wantTypes)
	}
	if nsec.Hdr.Ttl != testNegative {
		t.Errorf("NSEC TTL: got %d, want %d", nsec.Hdr.Ttl, testNegative)
	}
}

// TestDNSSEC_UnsignedWithoutDO checks that a client that did not ask for
// DNSSEC gets the same answers as from an unsigned zone.
func TestDNSSEC_UnsignedWithoutDO(t *testing.T) {
	srv := startServer(t, fixedSource(signedState(t)))
	for _, q := range []*dns.Msg{newQuery("mayfly.test.", dns.TypeMX), newQuery("nothere.mayfly.test.", dns.TypeA)} {
		reply := exchange(t, "udp", srv.UDPAddr(), q)
		if _, sigs := split(append(reply.Answer, reply.Ns...)); len(sigs) != 0 {
			t.Errorf("%s: got RRSIGs without DO", q.Question[0].Name)
		}
	}
	if reply := exchange(t, "udp", srv.UDPAddr(), newQuery("nothere.mayfly.test.", dns.TypeA)); reply.Rcode != dns.RcodeNameError {
		t.Errorf("NXDOMAIN without DO: got %s, want NXDOMAIN", dns.RcodeToString[reply.Rcode])
	}
}

// TestDNSSEC_ResignsBeforeExpiry checks that the zone set is rebuilt with
// fresh signatures a day after it was signed, with the state unchanged.
func TestDNSSEC_ResignsBeforeExpiry(t *testing.T) {
	st := signedState(t)
	now := time.Now()
	cache := &zoneCache{source: fixedSource(st), logger: slog.New(slog.DiscardHandler), now: func() time.Time { return now }}
	first := cache.get()
	if cache.get() != first {
		t.Fatalf("zone set rebuilt without a change")
	}
	now = now.Add(resignAfter + time.Minute)
	second := cache.get()
	if second == first {
		t.Fatalf("zone set not rebuilt after %s", resignAfter)
	}
	sig := signaturesFor(second.zones["mayfly.test."].nodes["mayfly.test."], dns.TypeSOA)[0].(*dns.RRSIG)
	if !sig.ValidityPeriod(now.Add(signatureValidity - 2*time.Hour)) {
		t.Errorf("renewed signature: not valid almost %s after renewal", signatureValidity)
	}
}

// TestDNSSEC_Delv validates answers with BIND's delv against a trust
// anchor for the zone's key: a positive answer, NXDOMAIN and NODATA.
func TestDNSSEC_Delv(t *testing.T) {
	delv, err := exec.LookPath("delv")
	if err != nil {
		t.Skip("SKIP: delv not installed (apt-get install bind9-dnsutils)")
	}
	srv := startServer(t, fixedSource(signedState(t)))
	key := zoneKey(t, srv, "mayfly.test.")
	anchors := filepath.Join(t.TempDir(), "anchors.conf")
	anchor := fmt.Sprintf("trust-anchors {\n\t\"mayfly.test.\" static-key %d %d %d \"%s\";\n};\n", key.Flags, key.Protocol, key.Algorithm, key.PublicKey)
	if err := os.WriteFile(anchors, []byte(anchor), 0o600); err != nil {
		t.Fatalf("write trust anchor: %v", err)
	}
	host, port := splitAddr(t, srv.UDPAddr().String())

	tests := []struct {
		name, qname, qtype, want string
	}{
		{"MX", "mayfly.test", "MX", "; fully validated"},
		{"DMARC", "_dmarc.mayfly.test", "TXT", "; fully validated"},
		{"NXDOMAIN", "nothere.mayfly.test", "A", "; negative response, fully validated"},
		{"NODATA", "mayfly.test", "AAAA", "; negative response, fully validated"},
		{"NXDOMAIN below a leaf", "x._dmarc.mayfly.test", "TXT", "; negative response, fully validated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			args := []string{"@" + host, "-p", port, "-a", anchors, "+root=mayfly.test", tt.qname, tt.qtype}
			out, err := exec.CommandContext(ctx, delv, args...).CombinedOutput()
			t.Logf("delv %s\n%s", strings.Join(args, " "), out)
			if err != nil {
				t.Fatalf("delv: %v", err)
			}
			if !strings.Contains(string(out), tt.want+"\n") {
				t.Errorf("delv output: want %q", tt.want)
			}
		})
	}
}
