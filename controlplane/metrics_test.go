package controlplane

import (
	"bytes"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches n's GET /metrics without a token and parses it.
func scrape(t *testing.T, n *Node) map[string]*dto.MetricFamily {
	t.Helper()
	status, body := call(t, n, http.MethodGet, "/metrics", "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: got status %d, want 200", status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return families
}

// metricValue returns the value of the family's metric whose labels
// include want, a histogram's sample count for a histogram.
func metricValue(t *testing.T, families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	family, ok := families[name]
	if !ok {
		t.Fatalf("metric %s: got none, want it present", name)
	}
	for _, m := range family.GetMetric() {
		if !hasLabels(m, want) {
			continue
		}
		switch {
		case m.GetHistogram() != nil:
			return float64(m.GetHistogram().GetSampleCount())
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue()
		default:
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s: got no series with labels %v", name, want)
	return 0
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	found := 0
	for _, l := range m.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			found++
		}
	}
	return found == len(want)
}

func TestMetrics_ScrapeLeaderAndFollower(t *testing.T) {
	c := startCluster(t)
	leader := c.leader()
	addDomains(t, leader, "local", "metrics.test", "metrics-two.test")
	if err := leader.Raft().Snapshot().Error(); err != nil {
		t.Fatalf("take a raft snapshot: %v", err)
	}
	eventually(t, "autopilot publishes a healthy state of three voters", func() bool {
		s := leader.pilot.state.Load()
		return s != nil && s.Healthy && len(s.Voters) == 3
	})

	got := scrape(t, leader)
	atLeast := []struct {
		name string
		min  float64
	}{
		{"mayfly_control_raft_commit_seconds", 1},
		{"mayfly_control_fsm_apply_seconds", 1},
		{"mayfly_control_fsm_snapshot_seconds", 1},
		{"mayfly_control_fsm_snapshot_persist_seconds", 1},
		{"mayfly_control_raft_term", 1},
		{"mayfly_control_raft_applied_index", 3},
		{"mayfly_control_raft_leader", 1},
		{"mayfly_control_boltdb_freelist_bytes", 0},
		{"mayfly_control_autopilot_healthy", 1},
		{"mayfly_control_autopilot_failure_tolerance", 1},
	}
	for _, want := range atLeast {
		if v := metricValue(t, got, want.name, nil); v < want.min {
			t.Errorf("leader %s: got %v, want at least %v", want.name, v, want.min)
		}
	}
	if v := metricValue(t, got, "mayfly_control_raft_state_changes_total", map[string]string{"state": "Leader"}); v < 1 {
		t.Errorf("leader state changes to Leader: got %v, want at least 1", v)
	}
	if v := metricValue(t, got, "mayfly_control_raft_last_contact_seconds", nil); v != 0 {
		t.Errorf("leader last contact: got %v, want 0", v)
	}
	for _, id := range []string{"node-1", "node-2", "node-3"} {
		if v := metricValue(t, got, "mayfly_control_autopilot_server_healthy", map[string]string{"node_id": id}); v != 1 {
			t.Errorf("autopilot health of %s: got %v, want 1", id, v)
		}
	}

	checkFollowerMetrics(t, c.follower())
}

// checkFollowerMetrics checks that a follower reports a recent contact
// with the leader and leaves autopilot's metrics to the leader.
func checkFollowerMetrics(t *testing.T, follower *Node) {
	t.Helper()
	got := scrape(t, follower)
	// A follower hears from the leader every tenth of the heartbeat
	// timeout (1s here); ten seconds allows for a loaded machine.
	if v := metricValue(t, got, "mayfly_control_raft_last_contact_seconds", nil); v < 0 || v > 10 {
		t.Errorf("follower last contact: got %vs, want between 0 and 10", v)
	}
	if v := metricValue(t, got, "mayfly_control_raft_leader", nil); v != 0 {
		t.Errorf("follower mayfly_control_raft_leader: got %v, want 0", v)
	}
	if v := metricValue(t, got, "mayfly_control_fsm_apply_seconds", nil); v < 1 {
		t.Errorf("follower fsm applies: got %v, want at least 1", v)
	}
	if _, ok := got["mayfly_control_autopilot_healthy"]; ok {
		t.Errorf("follower mayfly_control_autopilot_healthy: got it, want it on the leader only")
	}
}
