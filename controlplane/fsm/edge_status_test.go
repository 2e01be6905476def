package fsm

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// farFuture is a heartbeat time later than any the test log records, so a
// SetEdgeHealth judged on it always applies.
var farFuture = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

func markUnhealthy(id string) SetEdgeHealth {
	return SetEdgeHealth{ID: id, Healthy: false, LastHeartbeat: farFuture}
}

func TestEdgeStatus_HealthAndDraining(t *testing.T) {
	l := newRaftLog(t)
	if got := l.mustApply(TypeRegisterEdge, edgeRegistration("edge-1", "r1", "192.0.2.1")).Edge; !got.Healthy {
		t.Fatalf("registered edge: got unhealthy, want healthy")
	}

	if got := l.mustApply(TypeSetEdgeHealth, markUnhealthy("edge-1")).Edge; got.Healthy {
		t.Errorf("after set_edge_health false: got healthy, want unhealthy")
	}
	if got := l.mustApply(TypeHeartbeatEdge, HeartbeatEdge{ID: "edge-1", At: farFuture.Add(time.Second)}).Edge; !got.Healthy {
		t.Errorf("after a newer heartbeat: got unhealthy, want healthy")
	}

	l.mustApply(TypeSetEdgeDraining, SetEdgeDraining{ID: "edge-1", Draining: true})
	if got := l.mustApply(TypeRegisterEdge, edgeRegistration("edge-1", "r1", "192.0.2.1")).Edge; !got.Draining {
		t.Errorf("registering again: got not draining, want the draining flag kept")
	}

	resp := l.apply(TypeSetEdgeDraining, SetEdgeDraining{ID: "edge-9", Draining: true})
	if !errors.Is(resp.Err, ErrEdgeNotFound) {
		t.Errorf("drain unknown edge: got error %v, want ErrEdgeNotFound", resp.Err)
	}
}

func TestEdge_MissingHealthyDecodesAsTrue(t *testing.T) {
	tests := []struct {
		name string
		json string
		want bool
	}{
		{"missing", `{"id":"edge-1"}`, true},
		{"false", `{"id":"edge-1","healthy":false}`, false},
		{"true", `{"id":"edge-1","healthy":true}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e state.Edge
			if err := json.Unmarshal([]byte(tt.json), &e); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if e.Healthy != tt.want || e.ID != "edge-1" {
				t.Errorf("got %+v, want id edge-1 and healthy %v", e, tt.want)
			}
		})
	}
}
