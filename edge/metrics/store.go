package metrics

import (
	"io/fs"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// StoreStats are the readings of the inbox store taken at scrape time.
type StoreStats struct {
	// CountInboxes returns the inbox records stored, including expired
	// ones the sweeper has not removed yet.
	CountInboxes func() (int, error)
	// Dir is the store's directory: its database, key files and body
	// files.
	Dir string
}

// sweepBuckets span a sweep of a few records (sub-millisecond) to one
// that deletes thousands of inboxes with body files (seconds).
var sweepBuckets = prometheus.ExponentialBuckets(0.0001, 4, 10)

// sweepCollectors count the expiry sweeps.
type sweepCollectors struct {
	sweeps   *prometheus.CounterVec
	deleted  prometheus.Counter
	duration prometheus.Histogram
}

func newSweepCollectors() sweepCollectors {
	return sweepCollectors{
		sweeps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_edge_expiry_sweeps_total",
			Help: "Expiry sweeps run, by result: ok or error.",
		}, []string{"result"}),
		deleted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mayfly_edge_expired_inboxes_deleted_total",
			Help: "Expired inboxes the sweeper deleted with their messages.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mayfly_edge_expiry_sweep_duration_seconds",
			Help:    "Time one expiry sweep took, epoch key destruction included.",
			Buckets: sweepBuckets,
		}),
	}
}

func (c sweepCollectors) list() []prometheus.Collector {
	return []prometheus.Collector{c.sweeps, c.deleted, c.duration}
}

// Sweep records one expiry sweep; its signature fits inbox.Config's
// OnSweep.
func (m *Metrics) Sweep(deleted int, elapsed time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.sweep.sweeps.WithLabelValues(result).Inc()
	m.sweep.deleted.Add(float64(deleted))
	m.sweep.duration.Observe(elapsed.Seconds())
}

// WatchStore registers the gauges read from the store at scrape time:
// the inbox count and the bytes on disk. Call it once, when the store is
// open.
func (m *Metrics) WatchStore(s StoreStats) {
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "mayfly_edge_inboxes",
			Help: "Inboxes stored on this edge, including expired ones not yet swept; -1 when the store cannot be read.",
		}, func() float64 {
			n, err := s.CountInboxes()
			if err != nil {
				return -1
			}
			return float64(n)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "mayfly_edge_store_bytes",
			Help: "Bytes of the files in the inbox store's directory: database, key files and body files.",
		}, func() float64 { return float64(dirBytes(s.Dir)) }),
	)
}

// WatchDraining registers a gauge of whether the edge is draining.
func (m *Metrics) WatchDraining(draining func() bool) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "mayfly_edge_draining",
		Help: "1 while the control plane marks this edge draining (no new inboxes, out of MX), 0 otherwise.",
	}, func() float64 {
		if draining() {
			return 1
		}
		return 0
	}))
}

// dirBytes adds up the sizes of the regular files below dir. Files that
// vanish during the walk, as swept body files do, are skipped.
//
// NOTE: the walk runs at every scrape and visits every body file, one per
// message over 256 KiB; a store of very many large messages makes
// scrapes slower.
func dirBytes(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			total += info.Size()
		}
		return nil
	})
	return total
}
