package dnsserver

import (
	"testing"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// testutilCounter returns the value of the series of name with one label
// pair, gathered from c through a fresh registry.
func testutilCounter(t *testing.T, c prometheus.Collector, name, label, value string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatalf("register: %v", err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					if m.GetCounter() != nil {
						sum += m.GetCounter().GetValue()
					} else {
						sum += m.GetGauge().GetValue()
					}
				}
			}
		}
	}
	return sum
}

func TestMetrics_CountQueriesTruncationAndSerials(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))
	exchange(t, "udp", srv.UDPAddr(), newQuery("mayfly.test.", dns.TypeMX))
	exchange(t, "tcp", srv.TCPAddr(), newQuery("nothere.mayfly.test.", dns.TypeA))
	exchange(t, "udp", srv.UDPAddr(), newQuery("example.org.", dns.TypeTXT))
	// The MX answer of region big does not fit in 512 octets.
	exchange(t, "udp", srv.UDPAddr(), newQuery("big-mayfly.test.", dns.TypeMX))

	series := []struct {
		name, label, value string
		want               float64
	}{
		{"mayfly_dns_queries_total", "qtype", "MX", 2},
		{"mayfly_dns_queries_total", "rcode", "nxdomain", 1},
		{"mayfly_dns_queries_total", "rcode", "refused", 1},
		{"mayfly_dns_queries_total", "transport", "tcp", 1},
		{"mayfly_dns_queries_total", "transport", "udp", 3},
		{"mayfly_dns_truncated_total", "transport", "udp", 1},
	}
	for _, s := range series {
		if got := testutilCounter(t, srv.Collector(), s.name, s.label, s.value); got != s.want {
			t.Errorf("%s{%s=%q}: got %v, want %v", s.name, s.label, s.value, got, s.want)
		}
	}
	if got := testutilCounter(t, srv.Collector(), "mayfly_dns_zone_serial", "zone", "mayfly.test."); got != 2025010601 {
		t.Errorf("serial of mayfly.test.: got %v, want 2025010601", got)
	}
	if got := testutilCounter(t, srv.Collector(), "mayfly_dns_zone_serial", "zone", "mayfly-ops.test."); got != testOpsSerial {
		t.Errorf("serial of mayfly-ops.test.: got %v, want %d", got, testOpsSerial)
	}
}

// TestMetrics_CountsUDPFormatErrors sends a packet whose question stops in
// the middle of a label: the FORMERR reply is counted.
func TestMetrics_CountsUDPFormatErrors(t *testing.T) {
	srv := startServer(t, fixedSource(testState()))
	packet := readHexPacket(t, "testdata/malformed-queries/b-truncated-question.hex")
	if replies := sendMalformed(t, srv.UDPAddr(), packet); len(replies) != 1 {
		t.Fatalf("replies: got %d, want 1", len(replies))
	}
	if got := testutilCounter(t, srv.Collector(), "mayfly_dns_queries_total", "rcode", "formerr"); got != 1 {
		t.Errorf("FORMERR replies counted: got %v, want 1", got)
	}
}
