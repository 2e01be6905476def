package controlplane

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// peerStatusTimeout bounds the wait for one peer's own status.
const peerStatusTimeout = time.Second

// Status reports this node's view of the Raft cluster, without asking
// the peers. Peers is empty when the configuration cannot be read, which
// happens only during shutdown.
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

	if ap := n.pilot.state.Load(); ap != nil {
		st.Autopilot = &wire.AutopilotHealth{Healthy: ap.Healthy, FailureTolerance: ap.FailureTolerance}
	}
	current, err := n.configuration()
	if err != nil {
		n.log.Warn("read raft configuration", "error", err)
		return st
	}
	members := n.State().Members
	for _, s := range current.Servers {
		st.Peers = append(st.Peers, wire.Peer{
			ID:      string(s.ID),
			Address: string(s.Address),
			Voter:   s.Suffrage == raft.Voter,
			APIURL:  members[string(s.ID)].APIURL,
		})
	}
	return st
}

// StatusWithPeers is Status with each peer's own report of its applied
// index and last contact with the leader, gathered in parallel from the
// peers' APIs. A peer that does not answer within a second is marked
// unreachable.
func (n *Node) StatusWithPeers(ctx context.Context) wire.ClusterStatus {
	st := n.Status()
	var wg sync.WaitGroup
	for i := range st.Peers {
		p := &st.Peers[i]
		wg.Go(func() {
			local, err := n.peerStatus(ctx, p)
			if err != nil {
				n.log.Debug("read peer status", "node_id", p.ID, "error", err)
				return
			}
			p.Reachable = true
			p.AppliedIndex = local.AppliedIndex
			p.LastContact = local.LastContact
			if st.LastIndex > local.AppliedIndex {
				p.Trailing = st.LastIndex - local.AppliedIndex
			}
		})
	}
	wg.Wait()
	return st
}

func (n *Node) peerStatus(ctx context.Context, p *wire.Peer) (wire.LocalStatus, error) {
	if p.ID == n.cfg.NodeID {
		return n.LocalStatus(), nil
	}
	if p.APIURL == "" {
		return wire.LocalStatus{}, fmt.Errorf("peer %s has not announced its API URL", p.ID)
	}
	ctx, cancel := context.WithTimeout(ctx, peerStatusTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.APIURL+"/v1/cluster/local", nil)
	if err != nil {
		return wire.LocalStatus{}, fmt.Errorf("build peer status request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+n.cfg.ClusterToken)
	resp, err := n.peers.Do(req)
	if err != nil {
		return wire.LocalStatus{}, fmt.Errorf("read peer status: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return wire.LocalStatus{}, fmt.Errorf("read peer status: peer replied %s", resp.Status)
	}
	var local wire.LocalStatus
	if err := json.NewDecoder(resp.Body).Decode(&local); err != nil {
		return wire.LocalStatus{}, fmt.Errorf("decode peer status: %w", err)
	}
	return local, nil
}

// LocalStatus reports this node's own Raft progress.
func (n *Node) LocalStatus() wire.LocalStatus {
	stats := n.raft.Stats()
	lastContact := stats["last_contact"]
	if n.raft.State() == raft.Leader {
		lastContact = "0"
	}
	lastTerm, _ := strconv.ParseUint(stats["last_log_term"], 10, 64)
	return wire.LocalStatus{
		NodeID:       n.cfg.NodeID,
		State:        n.raft.State().String(),
		LastIndex:    n.raft.LastIndex(),
		AppliedIndex: n.raft.AppliedIndex(),
		LastContact:  lastContact,
		LastLogTerm:  lastTerm,
	}
}
