package fsm

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// SnapshotVersion is the version of the snapshot format this package
// writes and restores.
const SnapshotVersion = 1

type snapshotFile struct {
	Version int          `json:"version"`
	State   *state.State `json:"state"`
}

// Snapshot captures the current state. It is cheap because a published
// state never changes, so Persist can encode it later without a copy.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	return snapshot{state: f.State()}, nil
}

// Restore replaces the state with the one in a snapshot and publishes it.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()

	s, err := decodeSnapshot(rc)
	if err != nil {
		return err
	}
	f.publish(s)
	return nil
}

func decodeSnapshot(r io.Reader) (*state.State, error) {
	var file snapshotFile
	if err := json.NewDecoder(r).Decode(&file); err != nil {
		return nil, fmt.Errorf("decode snapshot: %w", err)
	}
	if file.Version != SnapshotVersion {
		return nil, fmt.Errorf("decode snapshot: unsupported version %d, want %d", file.Version, SnapshotVersion)
	}
	if file.State == nil {
		return nil, fmt.Errorf("decode snapshot: state is missing")
	}

	s := state.New()
	s.Index = file.State.Index
	s.DNS = file.State.DNS
	s.DNSSEC = file.State.DNSSEC
	for name, c := range file.State.Blocklist {
		s.Blocklist[name] = c
	}
	for name, d := range file.State.Domains {
		s.Domains[name] = d
	}
	for id, e := range file.State.Edges {
		s.Edges[id] = e
	}
	for id, m := range file.State.Members {
		s.Members[id] = m
	}
	return s, nil
}

type snapshot struct {
	state *state.State
}

// Persist writes the snapshot as JSON and closes the sink, or cancels it
// on error.
func (s snapshot) Persist(sink raft.SnapshotSink) error {
	if err := EncodeSnapshot(sink, s.state); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("persist snapshot: %w", err)
	}
	return nil
}

// Release does nothing, because the snapshot holds no resources.
func (snapshot) Release() {}
