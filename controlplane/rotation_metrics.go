package controlplane

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// rotationMetrics are the blocklist and pool metrics. The counters move on
// the leader, because it runs the checks. The pool gauges are read from
// the local replica at scrape time, so every node reports them.
//
//	mayfly_blocklist_checks_total{list,verdict}        checks by outcome
//	mayfly_blocklist_no_verdict_total{list,problem}    checks without a verdict: alert on its rate
//	mayfly_blocklist_retirements_total{cause}          domains moved to retiring: listing or exposure
//	mayfly_domain_useful_life_seconds                  activation to first retiring listing
//	mayfly_pool_domains{region,status}                 domains per region and status
//	mayfly_pool_min_active{region}                     the configured minimum of active domains
//	mayfly_pool_standby_empty{region}                  1 while a region has no standby domain: alert on it
type rotationMetrics struct {
	checks      *prometheus.CounterVec
	noVerdict   *prometheus.CounterVec
	retirements *prometheus.CounterVec
	usefulLife  prometheus.Histogram
}

// usefulLifeBuckets run from an hour to about 85 days.
var usefulLifeBuckets = prometheus.ExponentialBuckets(3600, 2, 12)

func (n *Node) registerRotationMetrics() *rotationMetrics {
	m := &rotationMetrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_blocklist_checks_total",
			Help: "Blocklist checks run by this node as leader, by list and verdict (clean, listed, no_verdict).",
		}, []string{"list", "verdict"}),
		noVerdict: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_blocklist_no_verdict_total",
			Help: "Blocklist checks that gave no verdict, by list and problem; such a check never retires a domain.",
		}, []string{"list", "problem"}),
		retirements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_blocklist_retirements_total",
			Help: "Domains this node as leader moved to retiring, by cause: listing or exposure.",
		}, []string{"cause"}),
		usefulLife: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mayfly_domain_useful_life_seconds",
			Help:    "Time from a domain's activation to the listing that retired it.",
			Buckets: usefulLifeBuckets,
		}),
	}
	n.metrics.registry.MustRegister(m.checks, m.noVerdict, m.retirements, m.usefulLife,
		poolCollector{state: n.State, minActive: n.cfg.Rotation.Policy.MinActiveIn})
	return m
}

// poolCollector reports the pool of each region from a state read at
// scrape time.
type poolCollector struct {
	state     func() *state.State
	minActive func(region string) int
}

var (
	poolDomainsDesc = prometheus.NewDesc("mayfly_pool_domains",
		"Pool domains per region and status.", []string{"region", "status"}, nil)
	poolMinActiveDesc = prometheus.NewDesc("mayfly_pool_min_active",
		"The minimum of active domains the leader keeps in a region by promoting standby domains.", []string{"region"}, nil)
	poolStandbyEmptyDesc = prometheus.NewDesc("mayfly_pool_standby_empty",
		"1 while a region has no standby domain left to promote, 0 otherwise.", []string{"region"}, nil)
)

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolDomainsDesc
	ch <- poolMinActiveDesc
	ch <- poolStandbyEmptyDesc
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.state().Pool() {
		counts := map[state.DomainStatus]int{
			state.Standby: p.Standby, state.Active: p.Active, state.Retiring: p.Retiring, state.Retired: p.Retired,
		}
		for status, count := range counts {
			ch <- prometheus.MustNewConstMetric(poolDomainsDesc, prometheus.GaugeValue, float64(count), p.Region, string(status))
		}
		ch <- prometheus.MustNewConstMetric(poolMinActiveDesc, prometheus.GaugeValue, float64(c.minActive(p.Region)), p.Region)
		ch <- prometheus.MustNewConstMetric(poolStandbyEmptyDesc, prometheus.GaugeValue, boolGauge(p.Standby == 0), p.Region)
	}
}
