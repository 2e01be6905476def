package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// announceInterval is how often a node checks that the replicated state
// holds its current API URL.
const announceInterval = 500 * time.Millisecond

// startAnnouncing keeps this node's API URL in the replicated state, where
// followers look up the leader's URL to forward writes. The leader writes
// its own entry, and a follower sends its entry to the leader. The loop
// ends when the API shuts down.
func (n *Node) startAnnouncing() {
	if n.apiURL == "" {
		n.log.Warn("no API URL to announce: other nodes cannot forward writes to this node; set the API advertise URL")
		return
	}
	n.loops.Add(1)
	go func() {
		defer n.loops.Done()
		tick := time.NewTicker(announceInterval)
		defer tick.Stop()
		for {
			if err := n.announce(); err != nil {
				n.log.Debug("announce API URL", "error", err)
			}
			select {
			case <-n.stopping:
				return
			case <-tick.C:
			}
		}
	}()
}

// announce does one round of startAnnouncing. It does nothing while the
// state holds the URL already or the cluster has no leader.
func (n *Node) announce() error {
	self := state.Member{ID: n.cfg.NodeID, APIURL: n.apiURL, NonVoter: n.cfg.NonVoter}
	if current, ok := n.State().Members[self.ID]; ok {
		// The role recorded at the join, which an operator may have
		// chosen, wins over this node's own setting.
		self.NonVoter = current.NonVoter
		if current == self {
			return nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), announceInterval*4)
	defer cancel()
	go func() {
		select {
		case <-n.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()

	if n.raft.State() == raft.Leader {
		return n.SetMember(ctx, self)
	}
	leader, err := n.leaderURL()
	if err != nil {
		return err
	}
	return n.postMember(ctx, leader, self)
}

// postMember sends this node's entry to the leader's members route.
func (n *Node) postMember(ctx context.Context, leader string, self state.Member) error {
	body, err := json.Marshal(self)
	if err != nil {
		return fmt.Errorf("encode member: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, leader+"/v1/cluster/members", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build member request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+n.cfg.ClusterToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(forwardedHeader, n.cfg.NodeID)
	resp, err := n.peers.Do(req)
	if err != nil {
		return fmt.Errorf("send member: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("send member: leader replied %s", resp.Status)
	}
	return nil
}
