package fsm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// RestoreState is the body of restore_state: it replaces the domains, the
// edges, the DNS settings and the blocklist evidence with those of a snapshot, so that every
// replica converges on the snapshot's content. Members are kept, because
// they describe the running cluster and not the one the snapshot came from.
//
// NOTE: the SOA serials come back as the snapshot holds them. A secondary
// that has seen higher serials keeps its copy until the next change lifts
// the serial past it.
type RestoreState struct {
	Snapshot json.RawMessage `json:"snapshot"`

	state *state.State // decoded by normalize
}

func (c *RestoreState) normalize() error {
	s, err := decodeSnapshot(bytes.NewReader(c.Snapshot))
	if err != nil {
		return reject(ErrInvalid, "invalid snapshot: %s", err)
	}
	c.state = s
	return nil
}

func (c *RestoreState) apply(t *txn) (Result, error) {
	s := t.write()
	restored := c.state.Clone()
	s.Domains = restored.Domains
	s.Edges = restored.Edges
	s.DNS = restored.DNS
	s.Blocklist = restored.Blocklist
	return Result{}, nil
}

// SnapshotInfo summarizes a snapshot file.
type SnapshotInfo struct {
	Version int    `json:"version"`
	Index   uint64 `json:"index"`
	Domains int    `json:"domains"`
	Edges   int    `json:"edges"`
	Members int    `json:"members"`
}

// EncodeSnapshot writes s in the snapshot format.
func EncodeSnapshot(w io.Writer, s *state.State) error {
	if err := json.NewEncoder(w).Encode(snapshotFile{Version: SnapshotVersion, State: s}); err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	return nil
}

// DecodeSnapshot reads a snapshot and returns its state.
func DecodeSnapshot(r io.Reader) (*state.State, error) {
	return decodeSnapshot(r)
}

// InspectSnapshot decodes a snapshot and summarizes it.
func InspectSnapshot(r io.Reader) (SnapshotInfo, error) {
	s, err := decodeSnapshot(r)
	if err != nil {
		return SnapshotInfo{}, err
	}
	return SnapshotInfo{
		Version: SnapshotVersion,
		Index:   s.Index,
		Domains: len(s.Domains),
		Edges:   len(s.Edges),
		Members: len(s.Members),
	}, nil
}
