package dnsserver

import (
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics counts what the server answers. Labels take values from small
// fixed sets: query types from metricTypes, rcode names, transports and
// RRL actions. Zone serials are read from the zone set at collection time.
// No metric carries a client address or a query name.
type metrics struct {
	queries    *prometheus.CounterVec
	rrlActions *prometheus.CounterVec
	truncated  *prometheus.CounterVec
	serial     *prometheus.Desc
	zones      *zoneCache
}

// metricTypes are the query types counted by name; the others count as
// "other", so a client cannot grow the label set.
var metricTypes = map[uint16]bool{
	dns.TypeA: true, dns.TypeAAAA: true, dns.TypeMX: true, dns.TypeNS: true, dns.TypeSOA: true,
	dns.TypeTXT: true, dns.TypeANY: true, dns.TypeAXFR: true, dns.TypeIXFR: true, dns.TypeDNSKEY: true,
	dns.TypeDS: true, dns.TypeCNAME: true, dns.TypePTR: true, dns.TypeSRV: true, dns.TypeCAA: true,
	dns.TypeHTTPS: true,
}

func newMetrics(zones *zoneCache) *metrics {
	return &metrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_dns_queries_total",
			Help: "DNS replies sent, by query type, rcode and transport.",
		}, []string{"qtype", "rcode", "transport"}),
		rrlActions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_dns_rrl_actions_total",
			Help: "UDP replies the response rate limit dropped or slipped (sent truncated).",
		}, []string{"action"}),
		truncated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_dns_truncated_total",
			Help: "Replies sent with the TC bit because they did not fit.",
		}, []string{"transport"}),
		serial: prometheus.NewDesc("mayfly_dns_zone_serial",
			"SOA serial of each served zone, as this node answers it.", []string{"zone"}, nil),
		zones: zones,
	}
}

// observe counts one reply to r.
func (m *metrics) observe(r *request, reply *dns.Msg) {
	m.count(r, reply.Rcode, reply.Truncated)
}

func (m *metrics) count(r *request, rcode int, truncated bool) {
	if len(r.msg.Question) != 1 {
		m.countLabel("none", rcode, truncated, r.transport())
		return
	}
	m.countType(r.msg.Question[0].Qtype, rcode, truncated, r.transport())
}

// countType counts one reply to a query of qtype.
func (m *metrics) countType(qtype uint16, rcode int, truncated bool, transport string) {
	label := "other"
	if metricTypes[qtype] {
		label = dns.TypeToString[qtype]
	}
	m.countLabel(label, rcode, truncated, transport)
}

func (m *metrics) countLabel(qtype string, rcode int, truncated bool, transport string) {
	m.queries.WithLabelValues(qtype, rcodeName(rcode), transport).Inc()
	if truncated {
		m.truncated.WithLabelValues(transport).Inc()
	}
}

// observeCached counts one reply to r sent from the reply cache.
func (m *metrics) observeCached(r *request, e cachedReply) {
	m.count(r, e.rcode, e.truncated)
}

func (m *metrics) rrl(action string) {
	m.rrlActions.WithLabelValues(action).Inc()
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	m.queries.Describe(ch)
	m.rrlActions.Describe(ch)
	m.truncated.Describe(ch)
	ch <- m.serial
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.queries.Collect(ch)
	m.rrlActions.Collect(ch)
	m.truncated.Collect(ch)
	for origin, z := range m.zones.get().zones {
		ch <- prometheus.MustNewConstMetric(m.serial, prometheus.GaugeValue, float64(z.soa().Serial), origin)
	}
}

// Collector returns the server's metrics for a Prometheus registry. It is
// safe to register once per registry and to collect at any time, before
// Start and after Shutdown too.
func (s *Server) Collector() prometheus.Collector {
	return s.metrics
}
