package controlplane

import (
	"context"
	"fmt"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// joinBackoff bounds the wait between two join attempts.
const (
	joinBackoffMin = 200 * time.Millisecond
	joinBackoffMax = 10 * time.Second
)

// JoinCluster asks the members at apiURLs, in turn, to add this node to
// their cluster, as a read replica when Config.NonVoter is set and as a
// future voter otherwise. It retries
// with exponential backoff until a member accepts or ctx ends. A join is
// harmless to repeat, so a node may call JoinCluster at every start.
func (n *Node) JoinCluster(ctx context.Context, apiURLs []string) error {
	if n.apiURL == "" {
		return fmt.Errorf("join cluster: this node has no API URL to announce; set the API advertise URL")
	}
	c, err := client.New(apiURLs, n.cfg.ClusterToken, client.WithHTTPClient(n.peers))
	if err != nil {
		return fmt.Errorf("join cluster: %w", err)
	}
	req := joinRequest(n)

	wait := joinBackoffMin
	for attempt := 1; ; attempt++ {
		err := c.Join(ctx, req)
		if err == nil {
			n.log.Info("joined the cluster", "node_id", n.cfg.NodeID, "attempts", attempt)
			return nil
		}
		n.log.Warn("join cluster failed, retrying", "error", err, "attempt", attempt, "retry_in", wait.String())
		select {
		case <-ctx.Done():
			return fmt.Errorf("join cluster: %w (last attempt: %w)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(wait*2, joinBackoffMax)
	}
}

func joinRequest(n *Node) wire.JoinRequest {
	return wire.JoinRequest{ID: n.cfg.NodeID, RaftAddr: n.RaftAddr(), APIURL: n.apiURL, NonVoter: n.cfg.NonVoter}
}
