package deploy

import (
	"net/http"
	"strings"
	"testing"
)

// documentedEdgeSeries are the edge series that README.md and
// edge/metrics name, each present after the traffic of withTraffic.
var documentedEdgeSeries = []string{
	"mayfly_edge_http_requests_total",
	"mayfly_edge_http_request_duration_seconds_bucket",
	"mayfly_edge_inboxes_created_total",
	"mayfly_edge_smtp_recipients_total",
	"mayfly_edge_smtp_messages_total",
	"mayfly_edge_smtp_sessions_total",
	"mayfly_edge_smtp_sessions_active",
	"mayfly_edge_smtp_rejections_total",
	"mayfly_edge_smtp_message_size_bytes_bucket",
	"mayfly_edge_inboxes",
	"mayfly_edge_store_bytes",
	"mayfly_edge_expiry_sweeps_total",
	"mayfly_edge_expired_inboxes_deleted_total",
	"mayfly_edge_expiry_sweep_duration_seconds_bucket",
	"mayfly_edge_draining",
	"process_resident_memory_bytes",
	"go_goroutines",
}

// documentedControlSeries are the control-plane and DNS series of a
// node's control-plane API.
var documentedControlSeries = []string{
	"mayfly_control_raft_leader",
	"mayfly_control_raft_term",
	"mayfly_control_raft_last_contact_seconds",
	"mayfly_control_raft_commit_seconds_bucket",
	"mayfly_control_raft_state_changes_total",
	"mayfly_control_autopilot_healthy",
	"mayfly_control_autopilot_failure_tolerance",
	"mayfly_pool_domains",
	"mayfly_pool_standby_empty",
	"mayfly_dns_queries_total",
	"mayfly_dns_zone_serial",
}

func TestMetrics_LiveNodeExportsDocumentedSeries(t *testing.T) {
	n, secrets := withTraffic(t)
	edge := scrape(t, n.internalURL()+"/metrics")
	control := scrape(t, n.controlURL()+"/metrics")

	for _, c := range []struct {
		where      string
		exposition string
		want       []string
	}{
		{"edge internal listener", edge, documentedEdgeSeries},
		{"control-plane API", control, documentedControlSeries},
	} {
		names := seriesNames(c.exposition)
		for _, want := range c.want {
			if !names[want] {
				t.Errorf("%s /metrics: no series %s", c.where, want)
			}
		}
		for _, secret := range secrets {
			if strings.Contains(c.exposition, secret) {
				t.Errorf("%s /metrics contains %q, an address, token or client IP of the test", c.where, secret)
			}
		}
	}
	for _, want := range []string{
		`mayfly_edge_smtp_rejections_total{reason="no_mailbox",stage="rcpt"} 1`,
		`mayfly_edge_smtp_rejections_total{reason="domain_not_served",stage="rcpt"} 1`,
		`mayfly_edge_smtp_messages_total{outcome="stored"} 1`,
		`mayfly_edge_smtp_sessions_total 1`,
		`mayfly_edge_smtp_message_size_bytes_count 1`,
		`mayfly_edge_inboxes 1`,
	} {
		if !strings.Contains(edge, want+"\n") {
			t.Errorf("edge /metrics lacks the line %q", want)
		}
	}
}

func TestMetrics_NotOnPublicListener(t *testing.T) {
	n := startDevNode(t)
	if got := get(t, n.publicURL()+"/metrics", ""); got != http.StatusNotFound {
		t.Errorf("public listener GET /metrics: got %d, want 404", got)
	}
}
