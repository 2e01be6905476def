package controlplane

import (
	"net/http"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// nodeMetrics are one node's Prometheus metrics, in a registry of the
// node's own, so that several nodes in one process keep theirs apart.
type nodeMetrics struct {
	registry *prometheus.Registry

	commit          prometheus.Histogram
	fsmApply        prometheus.Histogram
	snapshotCreate  prometheus.Histogram
	snapshotPersist prometheus.Histogram
	snapshotRestore prometheus.Histogram
	stateChanges    *prometheus.CounterVec
}

// raftBuckets span Raft's timings on one host (sub-millisecond applies)
// to a slow WAN quorum (seconds).
var raftBuckets = prometheus.ExponentialBuckets(0.0001, 4, 10)

func newNodeMetrics() *nodeMetrics {
	histogram := func(name, help string) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: raftBuckets})
	}
	m := &nodeMetrics{
		registry: prometheus.NewRegistry(),
		commit: histogram("mayfly_control_raft_commit_seconds",
			"Time from proposing a command on the leader until a quorum has stored it and the leader has applied it."),
		fsmApply: histogram("mayfly_control_fsm_apply_seconds",
			"Time the state machine takes to apply one committed log entry."),
		snapshotCreate: histogram("mayfly_control_fsm_snapshot_seconds",
			"Time the state machine takes to capture a snapshot, which blocks applies."),
		snapshotPersist: histogram("mayfly_control_fsm_snapshot_persist_seconds",
			"Time to encode and write one snapshot to the snapshot store."),
		snapshotRestore: histogram("mayfly_control_fsm_restore_seconds",
			"Time to restore the state machine from a snapshot."),
		stateChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_control_raft_state_changes_total",
			Help: "Raft state changes of this node, by the state entered.",
		}, []string{"state"}),
	}
	m.registry.MustRegister(m.commit, m.fsmApply, m.snapshotCreate, m.snapshotPersist, m.snapshotRestore, m.stateChanges,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, s := range []raft.RaftState{raft.Follower, raft.Candidate, raft.Leader, raft.Shutdown} {
		m.stateChanges.WithLabelValues(s.String()) // present at zero before the first change
	}
	return m
}

// registerNodeGauges adds the gauges read from Raft, the store and
// autopilot at scrape time; it runs once Raft is up.
func (n *Node) registerNodeGauges() {
	gauge := func(name, help string, read func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, read)
	}
	n.metrics.registry.MustRegister(
		gauge("mayfly_control_raft_last_contact_seconds",
			"Time since this node last heard from the leader; 0 on the leader, -1 before any contact.", n.lastContactSeconds),
		gauge("mayfly_control_raft_leader", "1 while this node is the Raft leader, 0 otherwise.", func() float64 {
			return boolGauge(n.raft.State() == raft.Leader)
		}),
		gauge("mayfly_control_raft_term", "Current Raft term.", func() float64 { return float64(n.raft.CurrentTerm()) }),
		gauge("mayfly_control_raft_applied_index", "Last log index applied to the state machine.", func() float64 {
			return float64(n.raft.AppliedIndex())
		}),
		gauge("mayfly_control_boltdb_freelist_bytes",
			"Bytes of the Raft log store's freelist: pages freed by log compaction, reused before the file grows.", func() float64 {
				return float64(n.store.Stats().FreelistInuse)
			}),
		autopilotCollector{n.pilot},
	)
}

func (n *Node) lastContactSeconds() float64 {
	if n.raft.State() == raft.Leader {
		return 0
	}
	d, err := time.ParseDuration(n.raft.Stats()["last_contact"])
	if err != nil {
		return -1 // "never"
	}
	return d.Seconds()
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// metricsHandler serves the node's registry for GET /metrics.
func (n *Node) metricsHandler() http.Handler {
	return promhttp.HandlerFor(n.metrics.registry, promhttp.HandlerOpts{})
}

// observeStateChanges counts Raft's state changes until Raft shuts down.
// The observer channel is buffered and Raft drops an observation rather
// than block, so a burst of changes may be undercounted.
func (n *Node) observeStateChanges() {
	ch := make(chan raft.Observation, 16)
	observer := raft.NewObserver(ch, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.RaftState)
		return ok
	})
	n.raft.RegisterObserver(observer)
	n.loops.Add(1)
	go func() {
		defer n.loops.Done()
		defer n.raft.DeregisterObserver(observer)
		for {
			select {
			case <-n.stopping:
				return
			case o := <-ch:
				n.metrics.stateChanges.WithLabelValues(o.Data.(raft.RaftState).String()).Inc()
			}
		}
	}()
}

// autopilotCollector reports autopilot's view of the cluster. Only the
// leader runs autopilot, so the metrics are present on the leader alone.
type autopilotCollector struct{ pilot *autopilotDelegate }

var (
	autopilotHealthyDesc = prometheus.NewDesc("mayfly_control_autopilot_healthy",
		"1 while every server is healthy in autopilot's view, 0 otherwise; reported by the leader only.", nil, nil)
	autopilotToleranceDesc = prometheus.NewDesc("mayfly_control_autopilot_failure_tolerance",
		"Voters that can fail with the cluster keeping its quorum; reported by the leader only.", nil, nil)
	autopilotServerHealthyDesc = prometheus.NewDesc("mayfly_control_autopilot_server_healthy",
		"1 while the server is healthy in autopilot's view, 0 otherwise; reported by the leader only.", []string{"node_id"}, nil)
)

func (c autopilotCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- autopilotHealthyDesc
	ch <- autopilotToleranceDesc
	ch <- autopilotServerHealthyDesc
}

func (c autopilotCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pilot.state.Load()
	if s == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(autopilotHealthyDesc, prometheus.GaugeValue, boolGauge(s.Healthy))
	ch <- prometheus.MustNewConstMetric(autopilotToleranceDesc, prometheus.GaugeValue, float64(s.FailureTolerance))
	for id, srv := range s.Servers {
		ch <- prometheus.MustNewConstMetric(autopilotServerHealthyDesc, prometheus.GaugeValue, boolGauge(srv.Health.Healthy), string(id))
	}
}
