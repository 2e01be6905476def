package controlplane

import (
	"io"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
)

// timedFSM is the state machine as Raft sees it: fsm.FSM with each call
// timed into the node's metrics.
type timedFSM struct {
	fsm     *fsm.FSM
	metrics *nodeMetrics
}

var _ raft.FSM = timedFSM{}

func (t timedFSM) Apply(entry *raft.Log) any {
	defer observeSince(t.metrics.fsmApply, time.Now())
	return t.fsm.Apply(entry)
}

func (t timedFSM) Snapshot() (raft.FSMSnapshot, error) {
	defer observeSince(t.metrics.snapshotCreate, time.Now())
	snap, err := t.fsm.Snapshot()
	if err != nil {
		return nil, err
	}
	return timedSnapshot{FSMSnapshot: snap, persist: t.metrics.snapshotPersist}, nil
}

func (t timedFSM) Restore(rc io.ReadCloser) error {
	defer observeSince(t.metrics.snapshotRestore, time.Now())
	return t.fsm.Restore(rc)
}

// timedSnapshot times Persist, which encodes and writes the snapshot.
type timedSnapshot struct {
	raft.FSMSnapshot
	persist interface{ Observe(float64) }
}

func (s timedSnapshot) Persist(sink raft.SnapshotSink) error {
	defer observeSince(s.persist, time.Now())
	return s.FSMSnapshot.Persist(sink)
}

func observeSince(h interface{ Observe(float64) }, start time.Time) {
	h.Observe(time.Since(start).Seconds())
}
