package fsm

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// raftLog feeds commands to an FSM as consecutive Raft log entries, with a
// clock that advances one second per entry.
type raftLog struct {
	t     *testing.T
	fsm   *FSM
	index uint64
	clock time.Time
}

func newRaftLog(t *testing.T) *raftLog {
	t.Helper()
	return &raftLog{t: t, fsm: New(), clock: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// apply applies one command and returns its response.
func (l *raftLog) apply(typ CommandType, body any) Response {
	l.t.Helper()
	l.index++
	l.clock = l.clock.Add(time.Second)
	cmd, err := NewCommand(typ, "req-test", l.clock, body)
	if err != nil {
		l.t.Fatalf("new command: %v", err)
	}
	data, err := cmd.Encode()
	if err != nil {
		l.t.Fatalf("encode command: %v", err)
	}
	return l.fsm.Apply(&raft.Log{Index: l.index, Type: raft.LogCommand, Data: data}).(Response)
}

// mustApply applies one command and fails the test on a rejection.
func (l *raftLog) mustApply(typ CommandType, body any) Result {
	l.t.Helper()
	resp := l.apply(typ, body)
	if resp.Err != nil {
		l.t.Fatalf("apply %s: got error %v, want none", typ, resp.Err)
	}
	return resp.Result
}

func (l *raftLog) state() *state.State {
	return l.fsm.State()
}

func edgeRegistration(id, region string, addrs ...string) *RegisterEdge {
	return &RegisterEdge{ID: id, Region: region, MXHost: "mx-" + id + ".ops.example", Addrs: addrs}
}

func dnsSettings(ttl uint32) *SetDNSSettings {
	return &SetDNSSettings{
		OpsZone:     "ops.example",
		NameServers: []state.NameServer{{Host: "ns1.ops.example", Addrs: []string{"192.0.2.53"}}},
		Hostmaster:  "hostmaster@example.org",
		TTL:         ttl,
		NegativeTTL: 300,
		Refresh:     3600,
		Retry:       600,
		Expire:      604800,
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(data)
}
