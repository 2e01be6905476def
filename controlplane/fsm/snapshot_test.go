package fsm

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// memorySink is a raft.SnapshotSink that keeps the snapshot in memory.
type memorySink struct {
	bytes.Buffer
	closed, cancelled bool
}

func (s *memorySink) ID() string    { return "memory" }
func (s *memorySink) Close() error  { s.closed = true; return nil }
func (s *memorySink) Cancel() error { s.cancelled = true; return nil }

func TestSnapshot_RoundTrip(t *testing.T) {
	l := newSerialPool(t)
	snap, err := l.fsm.Snapshot()
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	l.mustApply(TypeAddDomains, AddDomains{Names: []string{"later.test"}, Region: "r1"})

	var sink memorySink
	if err := snap.Persist(&sink); err != nil {
		t.Fatalf("persist: %v", err)
	}
	snap.Release()
	if !sink.closed || sink.cancelled {
		t.Errorf("sink: got closed %v cancelled %v, want closed only", sink.closed, sink.cancelled)
	}

	restored := New()
	if err := restored.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if _, ok := restored.State().Domains["later.test"]; ok {
		t.Errorf("restored state: got later.test, want the state as of the snapshot")
	}
	l2 := newSerialPool(t)
	if got, want := mustJSON(t, restored.State()), mustJSON(t, l2.state()); got != want {
		t.Errorf("restored state:\ngot  %s\nwant %s", got, want)
	}
}

func TestSnapshot_FileFormat(t *testing.T) {
	snap, _ := New().Snapshot()
	var sink memorySink
	if err := snap.Persist(&sink); err != nil {
		t.Fatalf("persist: %v", err)
	}

	if got, want := sink.String(), `{"version":1,"state":{"index":0,`; !strings.HasPrefix(got, want) {
		t.Errorf("snapshot: got %s, want it to start with %s", got, want)
	}
}

func TestRestore_Rejects(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not JSON", `{"version":`, "decode snapshot"},
		{"unknown version", `{"version":2,"state":{}}`, "unsupported version 2"},
		{"no state", `{"version":1}`, "state is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New()
			err := f.Restore(io.NopCloser(strings.NewReader(tt.data)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("restore: got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRestore_PublishesFreshState(t *testing.T) {
	f := New()
	ch := f.Watch()
	before := f.State()

	err := f.Restore(io.NopCloser(strings.NewReader(`{"version":1,"state":{"index":7}}`)))
	if err != nil {
		t.Fatalf("restore: %v", err)
	}

	s := f.State()
	if s == before || s.Index != 7 || s.Domains == nil || s.Edges == nil {
		t.Errorf("restored state: got %+v, want a new state at index 7 with empty maps", s)
	}
	select {
	case <-ch:
	default:
		t.Errorf("watch channel: got open after restore, want closed")
	}
}
