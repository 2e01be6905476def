package controlplane

import (
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// Status reports this node's view of the Raft cluster. Peers is empty when
// the configuration cannot be read, which happens only during shutdown.
func (n *Node) Status() wire.ClusterStatus {
	leaderAddr, leaderID := n.raft.LeaderWithID()
	st := wire.ClusterStatus{
		NodeID:       n.cfg.NodeID,
		State:        n.raft.State().String(),
		Leader:       string(leaderAddr),
		LeaderID:     string(leaderID),
		Term:         n.raft.CurrentTerm(),
		LastIndex:    n.raft.LastIndex(),
		AppliedIndex: n.raft.AppliedIndex(),
		Peers:        []wire.Peer{},
		Time:         time.Now().UTC(),
	}

	future := n.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		n.log.Warn("read raft configuration", "error", err)
		return st
	}
	for _, s := range future.Configuration().Servers {
		st.Peers = append(st.Peers, wire.Peer{ID: string(s.ID), Address: string(s.Address), Voter: s.Suffrage == raft.Voter})
	}
	return st
}
