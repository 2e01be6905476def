package fsm

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

func TestAddDomains_AddsCanonicalNames(t *testing.T) {
	l := newRaftLog(t)
	res := l.mustApply(TypeAddDomains, AddDomains{Names: []string{"Mayfly.Test.", "mayfly-mail.test", "mayfly.test"}, Region: "local"})

	if got, want := len(res.Domains), 2; got != want {
		t.Fatalf("result domains: got %d, want %d", got, want)
	}
	d, ok := l.state().Domains["mayfly.test"]
	if !ok {
		t.Fatalf("domain mayfly.test: got none, want it in the state")
	}
	want := state.Domain{Name: "mayfly.test", Region: "local", Status: state.Active, CreatedAt: l.clock, UpdatedAt: l.clock,
		ActivatedAt: l.clock, Serial: 1}
	if d != want {
		t.Errorf("domain: got %+v, want %+v", d, want)
	}
}

func TestAddDomains_Standby(t *testing.T) {
	l := newRaftLog(t)
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"spare.test"}, Region: "local", Standby: true})

	if got := l.state().Domains["spare.test"].Status; got != state.Standby {
		t.Errorf("status: got %s, want %s", got, state.Standby)
	}
}

func TestAddDomains_Existing(t *testing.T) {
	tests := []struct {
		name    string
		region  string
		wantErr error
	}{
		{"same region is a no-op", "local", nil},
		{"other region is rejected", "eu", ErrDomainExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newRaftLog(t)
			l.mustApply(TypeAddDomains, AddDomains{Names: []string{"mayfly.test"}, Region: "local"})
			before := l.state().Domains["mayfly.test"]

			resp := l.apply(TypeAddDomains, AddDomains{Names: []string{"new.test", "mayfly.test"}, Region: tt.region})

			if !errors.Is(resp.Err, tt.wantErr) {
				t.Fatalf("error: got %v, want %v", resp.Err, tt.wantErr)
			}
			if got := l.state().Domains["mayfly.test"]; got != before {
				t.Errorf("existing domain: got %+v, want it unchanged %+v", got, before)
			}
			_, added := l.state().Domains["new.test"]
			if wantAdded := tt.wantErr == nil; added != wantAdded {
				t.Errorf("new.test added: got %v, want %v", added, wantAdded)
			}
		})
	}
}

func TestAddDomains_RejectsInvalid(t *testing.T) {
	tests := []struct {
		name string
		body AddDomains
	}{
		{"no names", AddDomains{Region: "local"}},
		{"bad name", AddDomains{Names: []string{"ok.test", "bad_name.test"}, Region: "local"}},
		{"no region", AddDomains{Names: []string{"ok.test"}}},
		{"bad region", AddDomains{Names: []string{"ok.test"}, Region: "Local"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newRaftLog(t)
			resp := l.apply(TypeAddDomains, tt.body)

			var rejected *RejectError
			if !errors.As(resp.Err, &rejected) || !errors.Is(resp.Err, ErrInvalid) {
				t.Fatalf("error: got %v, want a *RejectError of ErrInvalid", resp.Err)
			}
			if got := len(l.state().Domains); got != 0 {
				t.Errorf("domains: got %d, want 0", got)
			}
		})
	}
}

func TestSetDomainStatus_Transitions(t *testing.T) {
	tests := []struct {
		name      string
		from, to  state.DomainStatus
		wantErr   error
		wantBumps uint32
	}{
		{"standby to active", state.Standby, state.Active, nil, 1},
		{"active to retiring", state.Active, state.Retiring, nil, 1},
		{"retiring to retired", state.Retiring, state.Retired, nil, 1},
		{"active to active", state.Active, state.Active, nil, 0},
		{"retired to active", state.Retired, state.Active, ErrStatusTransition, 0},
		{"unknown status", state.Active, "gone", ErrInvalid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newRaftLog(t)
			l.mustApply(TypeAddDomains, AddDomains{Names: []string{"mayfly.test"}, Region: "local", Standby: true})
			if tt.from != state.Standby {
				l.mustApply(TypeSetDomainStatus, SetDomainStatus{Name: "mayfly.test", Status: tt.from})
			}
			before := l.state().Domains["mayfly.test"]

			resp := l.apply(TypeSetDomainStatus, SetDomainStatus{Name: "mayfly.test", Status: tt.to})

			if !errors.Is(resp.Err, tt.wantErr) {
				t.Fatalf("error: got %v, want %v", resp.Err, tt.wantErr)
			}
			after := l.state().Domains["mayfly.test"]
			if got := after.Serial - before.Serial; got != tt.wantBumps {
				t.Errorf("serial bumps: got %d, want %d", got, tt.wantBumps)
			}
			if tt.wantErr == nil && after.Status != tt.to {
				t.Errorf("status: got %s, want %s", after.Status, tt.to)
			}
		})
	}
}

func TestSetDomainStatus_NotFound(t *testing.T) {
	l := newRaftLog(t)
	resp := l.apply(TypeSetDomainStatus, SetDomainStatus{Name: "absent.test", Status: state.Active})

	if !errors.Is(resp.Err, ErrDomainNotFound) {
		t.Errorf("error: got %v, want ErrDomainNotFound", resp.Err)
	}
}

func TestRetireDomain_RecordsReason(t *testing.T) {
	l := newRaftLog(t)
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"mayfly.test"}, Region: "local"})

	first := l.mustApply(TypeRetireDomain, RetireDomain{Name: "MAYFLY.test", Reason: "listed by dbl"})
	again := l.mustApply(TypeRetireDomain, RetireDomain{Name: "mayfly.test", Reason: "listed by dbl"})

	d := l.state().Domains["mayfly.test"]
	if d.Status != state.Retired || d.Reason != "listed by dbl" {
		t.Errorf("domain: got status %s reason %q, want retired with reason %q", d.Status, d.Reason, "listed by dbl")
	}
	if first.Domains[0] != again.Domains[0] {
		t.Errorf("retry result: got %+v, want %+v", again.Domains[0], first.Domains[0])
	}
	if d.Serial != 2 {
		t.Errorf("serial: got %d, want 2", d.Serial)
	}
}

func TestRegisterEdge_OwnerCodes(t *testing.T) {
	l := newRaftLog(t)
	codeOf := func(id string) string {
		t.Helper()
		return l.mustApply(TypeRegisterEdge, edgeRegistration(id, "local", "192.0.2.1")).Edge.OwnerCode
	}

	steps := []struct {
		name, id, want string
	}{
		{"first edge", "edge-1", "aa"},
		{"second edge", "edge-2", "ab"},
		{"third edge", "edge-3", "ac"},
		{"re-registration keeps its code", "edge-2", "ab"},
	}
	for _, s := range steps {
		if got := codeOf(s.id); got != s.want {
			t.Errorf("%s: got owner code %q, want %q", s.name, got, s.want)
		}
	}

	l.mustApply(TypeRemoveEdge, RemoveEdge{ID: "edge-1"})
	if got := codeOf("edge-4"); got != "aa" {
		t.Errorf("after removal: got owner code %q, want the freed %q", got, "aa")
	}
}

func TestRegisterEdge_OwnerCodesUniqueUntilExhausted(t *testing.T) {
	l := newRaftLog(t)
	seen := map[string]string{}
	total := len(ownerCodeAlphabet) * len(ownerCodeAlphabet)
	for i := range total {
		id := fmt.Sprintf("edge-%d", i)
		code := l.mustApply(TypeRegisterEdge, edgeRegistration(id, "local", "192.0.2.1")).Edge.OwnerCode
		if other, dup := seen[code]; dup {
			t.Fatalf("owner code %q: got it for %s and %s, want unique codes", code, other, id)
		}
		seen[code] = id
	}
	if got, want := seen["99"], fmt.Sprintf("edge-%d", total-1); got != want {
		t.Errorf("last code 99: got %s, want %s", got, want)
	}

	resp := l.apply(TypeRegisterEdge, edgeRegistration("one-too-many", "local", "192.0.2.1"))
	if !errors.Is(resp.Err, ErrOwnerCodesExhausted) {
		t.Errorf("error: got %v, want ErrOwnerCodesExhausted", resp.Err)
	}
}

func TestRegisterEdge_KeepsRegistrationTimeAndDraining(t *testing.T) {
	l := newRaftLog(t)
	first := l.mustApply(TypeRegisterEdge, edgeRegistration("edge-1", "local", "192.0.2.1")).Edge

	again := l.mustApply(TypeRegisterEdge, edgeRegistration("edge-1", "local", "192.0.2.1")).Edge

	if !again.RegisteredAt.Equal(first.RegisteredAt) {
		t.Errorf("registered at: got %v, want %v", again.RegisteredAt, first.RegisteredAt)
	}
	if !again.LastHeartbeat.Equal(l.clock) {
		t.Errorf("last heartbeat: got %v, want %v", again.LastHeartbeat, l.clock)
	}
}

func TestHeartbeatEdge(t *testing.T) {
	l := newRaftLog(t)
	l.mustApply(TypeRegisterEdge, edgeRegistration("edge-1", "local", "192.0.2.1"))
	registered := l.clock

	tests := []struct {
		name    string
		body    HeartbeatEdge
		want    time.Time
		wantErr error
	}{
		{"command time", HeartbeatEdge{ID: "edge-1"}, registered.Add(time.Second), nil},
		{"explicit time", HeartbeatEdge{ID: "edge-1", At: registered.Add(time.Hour)}, registered.Add(time.Hour), nil},
		{"older time is ignored", HeartbeatEdge{ID: "edge-1", At: registered}, registered.Add(time.Hour), nil},
		{"unknown edge", HeartbeatEdge{ID: "edge-9"}, registered.Add(time.Hour), ErrEdgeNotFound},
	}
	for _, tt := range tests {
		resp := l.apply(TypeHeartbeatEdge, tt.body)
		if !errors.Is(resp.Err, tt.wantErr) {
			t.Fatalf("%s: got error %v, want %v", tt.name, resp.Err, tt.wantErr)
		}
		if got := l.state().Edges["edge-1"].LastHeartbeat; !got.Equal(tt.want) {
			t.Errorf("%s: got last heartbeat %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRemoveEdge_AbsentIsNoOp(t *testing.T) {
	l := newRaftLog(t)
	resp := l.apply(TypeRemoveEdge, RemoveEdge{ID: "edge-1"})

	if resp.Err != nil {
		t.Errorf("error: got %v, want none", resp.Err)
	}
}

func TestApply_IndexAdvancesOnEveryEntry(t *testing.T) {
	l := newRaftLog(t)
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"mayfly.test"}, Region: "local"})
	l.apply(TypeAddDomains, AddDomains{Names: []string{"mayfly.test"}, Region: "eu"})

	if got := l.state().Index; got != 2 {
		t.Errorf("index after a rejected entry: got %d, want 2", got)
	}
}

func TestApply_RejectsZeroTime(t *testing.T) {
	f := New()
	data := []byte(`{"v":1,"type":"remove_edge","request_id":"r","body":{"id":"edge-1"}}`)

	resp := f.Apply(&raft.Log{Index: 1, Data: data}).(Response)

	if !errors.Is(resp.Err, ErrInvalid) {
		t.Errorf("error: got %v, want ErrInvalid", resp.Err)
	}
}

func TestApply_PanicsOnUndecodableEntry(t *testing.T) {
	tests := []struct {
		name, data string
	}{
		{"not JSON", `{"v":1,`},
		{"unknown version", `{"v":2,"type":"remove_edge","at":"2025-01-01T00:00:00Z","body":{"id":"e"}}`},
		{"unknown type", `{"v":1,"type":"drop_everything","at":"2025-01-01T00:00:00Z","body":{}}`},
		{"missing body", `{"v":1,"type":"remove_edge","at":"2025-01-01T00:00:00Z"}`},
		{"body of the wrong shape", `{"v":1,"type":"add_domains","at":"2025-01-01T00:00:00Z","body":{"names":"x"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Apply: got no panic, want one")
				}
			}()
			New().Apply(&raft.Log{Index: 1, Data: []byte(tt.data)})
		})
	}
}

func TestApply_Deterministic(t *testing.T) {
	a, b := newRaftLog(t), newRaftLog(t)
	for _, l := range []*raftLog{a, b} {
		l.mustApply(TypeAddDomains, AddDomains{Names: []string{"mayfly.test", "mayfly-mail.test"}, Region: "local"})
		l.mustApply(TypeRegisterEdge, edgeRegistration("edge-1", "local", "192.0.2.1"))
		l.mustApply(TypeRegisterEdge, edgeRegistration("edge-2", "local", "192.0.2.2"))
		l.mustApply(TypeSetDNSSettings, dnsSettings(300))
		l.mustApply(TypeRetireDomain, RetireDomain{Name: "mayfly.test", Reason: "test"})
	}

	if got, want := mustJSON(t, b.state()), mustJSON(t, a.state()); got != want {
		t.Errorf("replica state:\ngot  %s\nwant %s", got, want)
	}
}

func TestWatch_ClosedAtNextPublication(t *testing.T) {
	l := newRaftLog(t)
	ch := l.fsm.Watch()

	select {
	case <-ch:
		t.Fatalf("watch channel: got closed before any publication, want open")
	default:
	}
	l.apply(TypeRemoveEdge, RemoveEdge{ID: "edge-1"})
	select {
	case <-ch:
	default:
		t.Fatalf("watch channel: got open after a publication, want closed")
	}
	if l.fsm.Watch() == ch {
		t.Errorf("watch channel: got the closed channel again, want a new one")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name       string
		cmd        Command
		wantErr    bool
		wantReject bool
	}{
		{"valid", mustCommand(t, TypeRemoveEdge, RemoveEdge{ID: "edge-1"}), false, false},
		{"invalid body", mustCommand(t, TypeRemoveEdge, RemoveEdge{}), true, true},
		{"unknown type", Command{V: 1, Type: "nope", Body: json.RawMessage(`{}`)}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.cmd)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("Validate: got error %v, want error %v", err, tt.wantErr)
			}
			var rejected *RejectError
			if got := errors.As(err, &rejected); got != tt.wantReject {
				t.Errorf("Validate: got %v, want a *RejectError %v", err, tt.wantReject)
			}
		})
	}
}

func mustCommand(t *testing.T, typ CommandType, body any) Command {
	t.Helper()
	cmd, err := NewCommand(typ, "req", time.Now(), body)
	if err != nil {
		t.Fatalf("new command: %v", err)
	}
	return cmd
}
