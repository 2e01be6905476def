package controlplane

import (
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

func TestAPI_DrainEdge(t *testing.T) {
	n := startLeader(t)
	if _, err := n.RegisterEdge(t.Context(), wire.EdgeRegistration{ID: "edge-1", Region: "local", MXHost: "mx.ops.example", Addrs: []string{"192.0.2.1"}}); err != nil {
		t.Fatalf("register edge: %v", err)
	}

	for _, draining := range []bool{true, false} {
		var e state.Edge
		callJSON(t, n, "POST", "/v1/edges/edge-1/drain", testOperatorToken, wire.DrainRequest{Draining: draining}, 200, &e)
		if e.Draining != draining || n.State().Edges["edge-1"].Draining != draining {
			t.Errorf("drain %v: got reply %v and state %v, want %v", draining, e.Draining, n.State().Edges["edge-1"].Draining, draining)
		}
	}

	tests := []struct {
		name, path, token string
		body              any
		wantStatus        int
	}{
		{"unknown edge", "/v1/edges/edge-9/drain", testOperatorToken, wire.DrainRequest{Draining: true}, 404},
		{"no body", "/v1/edges/edge-1/drain", testOperatorToken, nil, 400},
		{"empty object", "/v1/edges/edge-1/drain", testOperatorToken, map[string]any{}, 400},
		{"cluster token", "/v1/edges/edge-1/drain", testClusterToken, wire.DrainRequest{Draining: true}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := call(t, n, "POST", tt.path, tt.token, tt.body); status != tt.wantStatus {
				t.Errorf("got status %d (%s), want %d", status, body, tt.wantStatus)
			}
		})
	}
}

func TestLiveness_MarksSilentEdgeUnhealthy(t *testing.T) {
	cfg := testConfig(t, "node-1")
	cfg.EdgeTimeout = 200 * time.Millisecond
	n := openNode(t, cfg)
	waitLeader(t, n)
	if _, err := n.RegisterEdge(t.Context(), wire.EdgeRegistration{ID: "edge-1", Region: "local", MXHost: "mx.ops.example", Addrs: []string{"192.0.2.1"}}); err != nil {
		t.Fatalf("register edge: %v", err)
	}

	eventually(t, "edge-1 marked unhealthy", func() bool { return !n.State().Edges["edge-1"].Healthy })
	if err := n.Heartbeat(t.Context(), "edge-1"); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	if !n.State().Edges["edge-1"].Healthy {
		t.Errorf("after heartbeat: got unhealthy, want healthy")
	}
}
