package controlplane

import (
	"context"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// Bounds of how often the liveness loop looks at the edges' heartbeats. A
// tenth of the edge timeout keeps the detection delay near the timeout.
const (
	minLivenessInterval = 10 * time.Millisecond
	maxLivenessInterval = time.Second
)

func (n *Node) watchEdges(ctx context.Context) {
	timeout := n.cfg.EdgeTimeout
	n.log.Info("edge liveness loop started", "node_id", n.cfg.NodeID, "edge_timeout", timeout)
	defer n.log.Info("edge liveness loop stopped", "node_id", n.cfg.NodeID)

	leaderSince := time.Now()
	tick := time.NewTicker(min(max(timeout/10, minLivenessInterval), maxLivenessInterval))
	defer tick.Stop()
	for {
		n.checkEdges(ctx, leaderSince)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// checkEdges marks the edges whose last heartbeat is older than the edge
// timeout unhealthy, and unhealthy edges with a recent heartbeat healthy.
// For one timeout after leaderSince it marks no edge unhealthy, because
// heartbeats sent while the cluster had no leader were lost.
func (n *Node) checkEdges(ctx context.Context, leaderSince time.Time) {
	now := time.Now()
	timeout := n.cfg.EdgeTimeout
	for _, e := range edgeList(n.State()) {
		fresh := now.Sub(e.LastHeartbeat) <= timeout
		switch {
		case e.Healthy && !fresh && now.Sub(leaderSince) > timeout:
			n.setEdgeHealth(ctx, e, false)
		case !e.Healthy && fresh:
			n.setEdgeHealth(ctx, e, true)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

func (n *Node) setEdgeHealth(ctx context.Context, e state.Edge, healthy bool) {
	body := fsm.SetEdgeHealth{ID: e.ID, Healthy: healthy, LastHeartbeat: e.LastHeartbeat}
	if _, err := n.propose(ctx, fsm.TypeSetEdgeHealth, body); err != nil {
		if ctx.Err() == nil {
			n.log.Warn("set edge health failed", "edge_id", e.ID, "healthy", healthy, "error", err)
		}
		return
	}
	if healthy {
		n.log.Info("edge healthy again", "edge_id", e.ID, "region", e.Region)
		return
	}
	n.log.Warn("edge marked unhealthy: no heartbeat within the edge timeout", "edge_id", e.ID,
		"region", e.Region, "last_heartbeat", e.LastHeartbeat, "edge_timeout", n.cfg.EdgeTimeout)
}
