package fsm

import (
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// TestSerials_Bumps checks which SOA serials each kind of change bumps.
// Every case starts from the same pool. Region r1 has active.test
// (active), spare.test (standby), old.test (retired) and one edge, edge-1,
// with two addresses. Region r2 has other.test (active).
func TestSerials_Bumps(t *testing.T) {
	type step struct {
		typ  CommandType
		body any
	}
	tests := []struct {
		name   string
		steps  []step
		want   map[string]uint32 // serial increase per domain; absent means 0
		wantOp uint32            // operations zone serial increase
	}{
		{
			name:  "heartbeat bumps nothing",
			steps: []step{{TypeHeartbeatEdge, HeartbeatEdge{ID: "edge-1"}}},
		},
		{
			name:   "new edge bumps its serving domains and ops",
			steps:  []step{{TypeRegisterEdge, edgeRegistration("edge-2", "r1", "192.0.2.2")}},
			want:   map[string]uint32{"active.test": 1},
			wantOp: 1,
		},
		{
			name:  "same registration again bumps nothing",
			steps: []step{{TypeRegisterEdge, edgeRegistration("edge-1", "r1", "192.0.2.1", "192.0.2.2")}},
		},
		{
			name:   "changed addresses bump region and ops",
			steps:  []step{{TypeRegisterEdge, edgeRegistration("edge-1", "r1", "192.0.2.9")}},
			want:   map[string]uint32{"active.test": 1},
			wantOp: 1,
		},
		{
			name: "changed MX host bumps region and ops",
			steps: []step{{TypeRegisterEdge, &RegisterEdge{
				ID: "edge-1", Region: "r1", MXHost: "mx-new.ops.example", Addrs: []string{"192.0.2.1", "192.0.2.2"},
			}}},
			want:   map[string]uint32{"active.test": 1},
			wantOp: 1,
		},
		{
			name:  "reordered addresses bump nothing",
			steps: []step{{TypeRegisterEdge, edgeRegistration("edge-1", "r1", "192.0.2.2", "192.0.2.1")}},
		},
		{
			name:  "edge moving region bumps both regions",
			steps: []step{{TypeRegisterEdge, edgeRegistration("edge-1", "r2", "192.0.2.1", "192.0.2.2")}},
			want:  map[string]uint32{"active.test": 1, "other.test": 1},
		},
		{
			name:   "removed edge bumps region and ops",
			steps:  []step{{TypeRemoveEdge, RemoveEdge{ID: "edge-1"}}},
			want:   map[string]uint32{"active.test": 1},
			wantOp: 1,
		},
		{
			name:  "unhealthy edge bumps region only",
			steps: []step{{TypeSetEdgeHealth, markUnhealthy("edge-1")}},
			want:  map[string]uint32{"active.test": 1},
		},
		{
			name:  "health judged on an older heartbeat bumps nothing",
			steps: []step{{TypeSetEdgeHealth, SetEdgeHealth{ID: "edge-1", Healthy: false}}},
		},
		{
			name:  "heartbeat of unhealthy edge bumps region again",
			steps: []step{{TypeSetEdgeHealth, markUnhealthy("edge-1")}, {TypeHeartbeatEdge, HeartbeatEdge{ID: "edge-1", At: farFuture.Add(time.Second)}}},
			want:  map[string]uint32{"active.test": 2},
		},
		{
			name:  "draining bumps region only, once",
			steps: []step{{TypeSetEdgeDraining, SetEdgeDraining{ID: "edge-1", Draining: true}}, {TypeSetEdgeDraining, SetEdgeDraining{ID: "edge-1", Draining: true}}},
			want:  map[string]uint32{"active.test": 1},
		},
		{
			name:  "drain then undo bumps region twice",
			steps: []step{{TypeSetEdgeDraining, SetEdgeDraining{ID: "edge-1", Draining: true}}, {TypeSetEdgeDraining, SetEdgeDraining{ID: "edge-1"}}},
			want:  map[string]uint32{"active.test": 2},
		},
		{
			name:  "status change bumps that domain",
			steps: []step{{TypeSetDomainStatus, SetDomainStatus{Name: "spare.test", Status: state.Active}}},
			want:  map[string]uint32{"spare.test": 1},
		},
		{
			name:  "reason change alone bumps nothing",
			steps: []step{{TypeSetDomainStatus, SetDomainStatus{Name: "active.test", Status: state.Active, Reason: "checked"}}},
		},
		{
			name:   "DNS settings bump every zone",
			steps:  []step{{TypeSetDNSSettings, dnsSettings(60)}},
			want:   map[string]uint32{"active.test": 1, "spare.test": 1, "old.test": 1, "other.test": 1},
			wantOp: 1,
		},
		{
			name:  "same DNS settings again bump nothing",
			steps: []step{{TypeSetDNSSettings, dnsSettings(300)}},
		},
		{
			name:  "rejected command bumps nothing",
			steps: []step{{TypeAddDomains, AddDomains{Names: []string{"active.test"}, Region: "r2"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newSerialPool(t)
			before := l.state()

			for _, s := range tt.steps {
				l.apply(s.typ, s.body)
			}

			after := l.state()
			for name, d := range after.Domains {
				if got, want := d.Serial-before.Domains[name].Serial, tt.want[name]; got != want {
					t.Errorf("%s serial increase: got %d, want %d", name, got, want)
				}
			}
			if got := after.DNS.OpsSerial - before.DNS.OpsSerial; got != tt.wantOp {
				t.Errorf("ops serial increase: got %d, want %d", got, tt.wantOp)
			}
		})
	}
}

func newSerialPool(t *testing.T) *raftLog {
	t.Helper()
	l := newRaftLog(t)
	l.mustApply(TypeSetDNSSettings, dnsSettings(300))
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"active.test", "old.test"}, Region: "r1"})
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"spare.test"}, Region: "r1", Standby: true})
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"other.test"}, Region: "r2"})
	l.mustApply(TypeRetireDomain, RetireDomain{Name: "old.test", Reason: "test"})
	l.mustApply(TypeRegisterEdge, edgeRegistration("edge-1", "r1", "192.0.2.1", "192.0.2.2"))
	return l
}

func TestSerials_NewDomainStartsAtOne(t *testing.T) {
	l := newSerialPool(t)
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"fresh.test"}, Region: "r1"})

	if got := l.state().Domains["fresh.test"].Serial; got != 1 {
		t.Errorf("serial: got %d, want 1", got)
	}
}
