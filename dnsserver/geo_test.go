package dnsserver

import (
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

const testGeoName = "www.mayfly-ops.test."

func geoConfig(extra ...GeoSubnet) Geo {
	return Geo{
		Name:          testGeoName,
		DefaultRegion: "local",
		Subnets: append([]GeoSubnet{
			{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Region: "eu"},
			{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Region: "big"},
			{Prefix: netip.MustParsePrefix("10.9.0.0/16"), Region: "eu"},
			{Prefix: netip.MustParsePrefix("192.0.2.128/25"), Region: "mars"},
		}, extra...),
	}
}

// withECS adds an EDNS Client Subnet option for prefix.
func withECS(m *dns.Msg, prefix string) *dns.Msg {
	p := netip.MustParsePrefix(prefix)
	family := uint16(1)
	if p.Addr().Is6() {
		family = 2
	}
	m.SetEdns0(1232, false)
	opt := m.IsEdns0()
	opt.Option = append(opt.Option, &dns.EDNS0_SUBNET{
		Code: dns.EDNS0SUBNET, Family: family, SourceNetmask: uint8(p.Bits()), Address: net.IP(p.Addr().AsSlice()),
	})
	return m
}

func replyECS(reply *dns.Msg) *dns.EDNS0_SUBNET {
	if opt := reply.IsEdns0(); opt != nil {
		return requestECS(opt)
	}
	return nil
}

var (
	localWeb = []string{"www.mayfly-ops.test. 3600 IN A 192.0.2.25", "www.mayfly-ops.test. 3600 IN A 192.0.2.26", "www.mayfly-ops.test. 3600 IN A 192.0.2.27"}
	euWeb    = []string{"www.mayfly-ops.test. 3600 IN A 203.0.113.25"}
)

func bigWeb() []string {
	var out []string
	for i := 1; i <= bigEdges; i++ {
		out = append(out, fmt.Sprintf("www.mayfly-ops.test. 3600 IN A 198.51.100.%d", i))
	}
	return out
}

func TestGeo_ClientSubnetChoosesRegion(t *testing.T) {
	srv := startConfigured(t, Config{Source: fixedSource(testState()), Geo: geoConfig()})

	tests := []struct {
		name      string
		ecs       string // empty sends no ECS option; the source is 127.0.0.1
		qtype     uint16
		want      []string
		wantScope uint8
	}{
		{name: "no ECS, unmatched source gets the default region", qtype: dns.TypeA, want: localWeb},
		{name: "ECS in an eu subnet", ecs: "198.51.100.0/24", qtype: dns.TypeA, want: euWeb, wantScope: 24},
		{name: "ECS in the big subnet", ecs: "10.1.2.0/24", qtype: dns.TypeA, want: bigWeb(), wantScope: 8},
		{name: "longest prefix wins", ecs: "10.9.3.0/24", qtype: dns.TypeA, want: euWeb, wantScope: 16},
		{name: "scope capped at the source prefix", ecs: "10.0.0.0/4", qtype: dns.TypeA, want: localWeb, wantScope: 0},
		{name: "unmatched ECS gets the default region", ecs: "203.0.113.0/24", qtype: dns.TypeA, want: localWeb},
		{name: "region without live edges falls back", ecs: "192.0.2.200/32", qtype: dns.TypeA, want: localWeb, wantScope: 25},
		{name: "region without IPv6 is NODATA for AAAA", ecs: "198.51.100.0/24", qtype: dns.TypeAAAA, wantScope: 24},
		{name: "default region AAAA", qtype: dns.TypeAAAA, want: []string{"www.mayfly-ops.test. 3600 IN AAAA 2001:db8::25"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newQuery(testGeoName, tt.qtype)
			if tt.ecs != "" {
				q = withECS(q, tt.ecs)
			}
			reply := exchange(t, "udp", srv.UDPAddr(), q)
			if reply.Rcode != dns.RcodeSuccess || !reply.Authoritative {
				t.Fatalf("reply: got %s AA %v, want NOERROR AA", dns.RcodeToString[reply.Rcode], reply.Authoritative)
			}
			assertRecords(t, "answer", reply.Answer, mustRRs(t, tt.want...))
			if tt.ecs == "" {
				return
			}
			ecs := replyECS(reply)
			if ecs == nil || ecs.SourceScope != tt.wantScope || int(ecs.SourceNetmask) != netip.MustParsePrefix(tt.ecs).Bits() {
				t.Errorf("reply ECS: got %v, want the query's subnet with scope %d", ecs, tt.wantScope)
			}
		})
	}
}

// TestGeo_SourceAddressWithoutECS maps the query's source, loopback, to a
// region when the query has no ECS option.
func TestGeo_SourceAddressWithoutECS(t *testing.T) {
	geo := geoConfig(GeoSubnet{Prefix: netip.MustParsePrefix("127.0.0.0/8"), Region: "eu"})
	srv := startConfigured(t, Config{Source: fixedSource(testState()), Geo: geo})

	reply := exchange(t, "udp", srv.UDPAddr(), newQuery(testGeoName, dns.TypeA))
	assertRecords(t, "answer", reply.Answer, mustRRs(t, euWeb...))
}

// TestGeo_SignedPerRegion checks that every region's answer is signed.
func TestGeo_SignedPerRegion(t *testing.T) {
	srv := startConfigured(t, Config{Source: fixedSource(signedState(t)), Geo: geoConfig()})
	key := zoneKey(t, srv, testOpsZone+".")
	for _, ecs := range []string{"198.51.100.0/24", "10.0.0.0/24", "203.0.113.0/24"} {
		q := withECS(newQuery(testGeoName, dns.TypeA), ecs)
		q.IsEdns0().SetDo()
		reply := exchange(t, "udp", srv.UDPAddr(), q)
		if len(reply.Answer) < 2 {
			t.Fatalf("ECS %s: got %v, want addresses and an RRSIG", ecs, reply.Answer)
		}
		verifySection(t, "answer for "+ecs, reply.Answer, key)
	}
}

// TestGeo_NameOutsideZonesIsIgnored checks that a geo name in no served
// zone changes nothing and is refused like any foreign name.
func TestGeo_NameOutsideZonesIsIgnored(t *testing.T) {
	geo := geoConfig()
	geo.Name = "www.example.org"
	srv := startConfigured(t, Config{Source: fixedSource(testState()), Geo: geo})
	if reply := exchange(t, "udp", srv.UDPAddr(), newQuery("www.example.org.", dns.TypeA)); reply.Rcode != dns.RcodeRefused {
		t.Errorf("rcode: got %s, want REFUSED", dns.RcodeToString[reply.Rcode])
	}
}
