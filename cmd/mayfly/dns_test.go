package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// TestDev_DNSSignedWithMetrics checks that mayfly dev signs its zones from
// the start and serves the DNS metrics on the control plane's /metrics.
func TestDev_DNSSignedWithMetrics(t *testing.T) {
	svc := startTestDev(t, testConfig(t))

	m := new(dns.Msg)
	m.SetQuestion("mayfly.test.", dns.TypeMX)
	m.SetEdns0(1232, true)
	reply, _, err := new(dns.Client).Exchange(m, svc.dns.UDPAddr().String())
	if err != nil {
		t.Fatalf("query MX: %v", err)
	}
	if len(reply.Answer) != 2 || reply.Answer[1].Header().Rrtype != dns.TypeRRSIG {
		t.Errorf("MX with DO: got %v, want the MX record and its RRSIG", reply.Answer)
	}

	resp, err := http.Get("http://" + svc.control.APIAddr().String() + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	for _, want := range []string{
		`mayfly_dns_queries_total{qtype="MX",rcode="noerror",transport="udp"} 1`,
		`mayfly_dns_zone_serial{zone="mayfly.test."}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics has no line with %s", want)
		}
	}
}

func TestDNSServerConfig_ConvertsKeys(t *testing.T) {
	c := config.Default().Control
	c.DNS.CookieSecret = "000102030405060708090a0b0c0d0e0f"
	c.DNS.Transfer = config.DNSTransfer{
		TSIGKeys: []config.TSIGKey{{Name: "xfr.test", Secret: "c2VjcmV0c2VjcmV0c2VjcmV0"}},
		Allow:    []config.TransferRule{{Prefix: "192.0.2.7/24", Key: "xfr.test"}},
		Notify:   []config.NotifyTarget{{Addr: "192.0.2.8:53", Key: "xfr.test"}},
	}
	c.DNS.Geo = config.DNSGeo{Name: "www.mayfly.test", DefaultRegion: "local",
		Subnets: []config.GeoSubnet{{Prefix: "198.51.100.9/24", Region: "eu"}}}

	got, err := dnsServerConfig(c)
	if err != nil {
		t.Fatalf("dnsServerConfig: %v", err)
	}
	if len(got.CookieSecret) != 16 || got.RateLimit.Rate != 200 || got.RateLimit.Slip != 2 {
		t.Errorf("cookie secret %d octets, rate limit %+v: want 16 octets and NSD's defaults", len(got.CookieSecret), got.RateLimit)
	}
	if len(got.Transfer.Allow) != 1 || got.Transfer.Allow[0].Prefix != netip.MustParsePrefix("192.0.2.0/24") || got.Transfer.Keys[0].Secret != "c2VjcmV0c2VjcmV0c2VjcmV0" {
		t.Errorf("transfer: got %+v, want the masked prefix and the key's secret", got.Transfer)
	}
	if len(got.Geo.Subnets) != 1 || got.Geo.Subnets[0].Prefix != netip.MustParsePrefix("198.51.100.0/24") {
		t.Errorf("geo: got %+v, want the masked subnet", got.Geo)
	}
}

// TestControl_DNSSerialsEqualOnEveryNode runs a three-node cluster with
// mayfly control's start-up. Every node's DNS server must return the same
// SOA serial for a pool domain, and a committed change to the zone must
// raise it by one on every node.
func TestControl_DNSSerialsEqualOnEveryNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	nodes := startControlCluster(ctx, t)

	domains, err := nodes[0].node.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"mayfly.test"}, Region: "local"})
	if err != nil {
		t.Fatalf("add domain: %v", err)
	}
	waitForSerialEverywhere(t, nodes, domains[0].Serial)

	retired, err := nodes[0].node.RetireDomain(ctx, "mayfly.test", "listed")
	if err != nil {
		t.Fatalf("retire domain: %v", err)
	}
	if retired.Serial != domains[0].Serial+1 {
		t.Errorf("serial after retiring: got %d, want %d", retired.Serial, domains[0].Serial+1)
	}
	waitForSerialEverywhere(t, nodes, retired.Serial)
}

// startControlCluster starts three control-plane nodes with their DNS
// servers, the first bootstrapping and the others joining it. A node the
// test has stopped already is stopped again harmlessly at cleanup.
func startControlCluster(ctx context.Context, t *testing.T) []*controlService {
	t.Helper()
	var nodes []*controlService
	for i := range 3 {
		cfg := testConfig(t)
		cfg.NodeID = fmt.Sprintf("node-%d", i+1)
		cfg.ClusterToken = "test-cluster-token"
		cfg.Control.Bootstrap = i == 0
		cfg.Control.Autopilot.ServerStabilizationTime = time.Second
		if i > 0 {
			cfg.Control.Join = []string{nodes[0].node.APIURL()}
		}
		svc, err := startControl(ctx, cfg, slog.New(slog.NewTextHandler(testWriter{t}, nil)).With("node", cfg.NodeID))
		if err != nil {
			t.Fatalf("start %s: %v", cfg.NodeID, err)
		}
		t.Cleanup(func() { _ = svc.stop(context.Background()) })
		nodes = append(nodes, svc)
	}
	return nodes
}

// waitForSerialEverywhere waits until every node's DNS server answers the
// SOA of mayfly.test with serial.
func waitForSerialEverywhere(t *testing.T, nodes []*controlService, serial uint32) {
	t.Helper()
	for _, svc := range nodes {
		var got uint32
		waitUntil(t, time.Now().Add(20*time.Second), fmt.Sprintf("serial %d at %s", serial, svc.dns.UDPAddr()), func() bool {
			m := new(dns.Msg)
			m.SetQuestion("mayfly.test.", dns.TypeSOA)
			reply, _, err := new(dns.Client).Exchange(m, svc.dns.UDPAddr().String())
			if err != nil || len(reply.Answer) != 1 {
				return false
			}
			got = reply.Answer[0].(*dns.SOA).Serial
			return got == serial
		})
	}
}
