package controlplane

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	autopilot "github.com/hashicorp/raft-autopilot"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// removeFailedTimeout bounds the removal of one failed server.
const removeFailedTimeout = 10 * time.Second

// newAutopilot returns the node's autopilot, which runs only while the
// node leads (see runLeaderWork).
func (n *Node) newAutopilot() *autopilot.Autopilot {
	n.pilot = &autopilotDelegate{n: n, lastSeen: make(map[raft.ServerID]time.Time)}
	return autopilot.New(n.raft, n.pilot,
		autopilot.WithLogger(newHclogAdapter(n.log, "raft")),
		autopilot.WithPromoter(replicaPromoter{}),
		autopilot.WithUpdateInterval(n.cfg.Autopilot.Interval),
		autopilot.WithReconcileInterval(n.cfg.Autopilot.Interval),
	)
}

// autopilotDelegate is the node's autopilot.ApplicationIntegration.
// Autopilot has no membership protocol of its own: a server is alive while
// it replies to the leader's status probes (GET /v1/cluster/local), and
// failed after DeadServerTimeout without a reply.
type autopilotDelegate struct {
	n *Node

	mu       sync.Mutex
	lastSeen map[raft.ServerID]time.Time // last successful probe, or first sighting

	state atomic.Pointer[autopilot.State] // the latest state, nil while not leading
}

// AutopilotConfig maps the node's settings onto autopilot's.
func (d *autopilotDelegate) AutopilotConfig() *autopilot.Config {
	c := d.n.cfg.Autopilot
	return &autopilot.Config{
		CleanupDeadServers:      !c.KeepDeadServers,
		LastContactThreshold:    c.LastContactThreshold,
		MaxTrailingLogs:         c.MaxTrailingLogs,
		MinQuorum:               c.MinQuorum,
		ServerStabilizationTime: c.ServerStabilizationTime,
	}
}

// NotifyState keeps the latest state for the metrics.
func (d *autopilotDelegate) NotifyState(s *autopilot.State) {
	d.state.Store(s)
}

// KnownServers returns every server of the Raft configuration. Returning
// them all matters: autopilot removes a configured server missing from
// this map at once, without waiting for the dead server timeout.
func (d *autopilotDelegate) KnownServers() map[raft.ServerID]*autopilot.Server {
	current, err := d.n.configuration()
	if err != nil {
		d.n.log.Warn("autopilot: read raft configuration", "error", err)
		return nil
	}
	members := d.n.State().Members
	leading := d.n.raft.State() == raft.Leader
	now := time.Now()

	d.mu.Lock()
	defer d.mu.Unlock()
	known := make(map[raft.ServerID]*autopilot.Server, len(current.Servers))
	for _, s := range current.Servers {
		seen, ok := d.lastSeen[s.ID]
		if !ok {
			seen = now // a server gets the full timeout from its first sighting
			d.lastSeen[s.ID] = seen
		}
		status := autopilot.NodeAlive
		if now.Sub(seen) > d.n.cfg.Autopilot.DeadServerTimeout {
			status = autopilot.NodeFailed
		}
		known[s.ID] = &autopilot.Server{
			ID:          s.ID,
			Name:        string(s.ID),
			Address:     s.Address,
			NodeStatus:  status,
			NodeType:    nodeType(s, members),
			RaftVersion: raft.ProtocolVersionMax,
			IsLeader:    leading && string(s.ID) == d.n.cfg.NodeID,
		}
	}
	return known
}

// FetchServerStats probes every server of the configuration, failed ones
// included so that a server that comes back counts as alive again, and
// returns the stats of those asked for.
func (d *autopilotDelegate) FetchServerStats(ctx context.Context, servers map[raft.ServerID]*autopilot.Server) map[raft.ServerID]*autopilot.ServerStats {
	peers := d.n.Status().Peers
	stats := make(map[raft.ServerID]*autopilot.ServerStats, len(peers))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range peers {
		p := &peers[i]
		wg.Go(func() {
			local, err := d.n.peerStatus(ctx, p)
			if err != nil {
				d.n.log.Debug("autopilot: probe server", "node_id", p.ID, "error", err)
				return
			}
			id := raft.ServerID(p.ID)
			d.markSeen(id)
			if _, requested := servers[id]; !requested {
				return
			}
			mu.Lock()
			stats[id] = serverStats(local.LastContact, local.LastLogTerm, local.LastIndex)
			mu.Unlock()
		})
	}
	wg.Wait()
	return stats
}

func (d *autopilotDelegate) markSeen(id raft.ServerID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lastSeen[id] = time.Now()
}

// forgetSeen resets the probe history, so that a node that becomes leader
// gives every server the full timeout again, and forgets removed servers.
func (d *autopilotDelegate) forgetSeen() {
	d.mu.Lock()
	defer d.mu.Unlock()
	clear(d.lastSeen)
}

// serverStats converts a status report. A last contact that does not
// parse, such as Raft's "never", is negative, which autopilot counts as
// unhealthy.
func serverStats(lastContact string, lastTerm, lastIndex uint64) *autopilot.ServerStats {
	contact, err := time.ParseDuration(lastContact)
	if err != nil {
		contact = -1
	}
	return &autopilot.ServerStats{LastContact: contact, LastTerm: lastTerm, LastIndex: lastIndex}
}

// RemoveFailedServer removes a server that autopilot found failed, within
// the MinQuorum limit autopilot enforces, and forgets its API URL.
func (d *autopilotDelegate) RemoveFailedServer(s *autopilot.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), removeFailedTimeout)
	defer cancel()
	if err := d.n.RemovePeer(ctx, string(s.ID)); err != nil {
		d.n.log.Warn("autopilot: remove failed server", "node_id", s.ID, "error", err)
		return
	}
	d.n.log.Warn("autopilot removed a failed server: it failed every status probe for the dead server timeout",
		"node_id", s.ID, "dead_server_timeout", d.n.cfg.Autopilot.DeadServerTimeout)
}

// nodeTypeReplica is the autopilot node type of a read replica, which
// never gets a vote.
const nodeTypeReplica autopilot.NodeType = "read-replica"

// nodeType returns the role a server should have: a voter, unless its
// member entry marks it as a read replica. A non-voter without a member
// entry counts as a read replica until the entry is committed, so that a
// replica is never promoted in the moment between its addition and the
// commit of its entry.
func nodeType(s raft.Server, members map[string]state.Member) autopilot.NodeType {
	m, ok := members[string(s.ID)]
	switch {
	case ok && m.NonVoter:
		return nodeTypeReplica
	case !ok && s.Suffrage != raft.Voter:
		return nodeTypeReplica
	}
	return autopilot.NodeVoter
}

// replicaPromoter promotes every healthy, stable non-voter whose node type
// is voter. It never demotes and never moves leadership.
type replicaPromoter struct{}

var _ autopilot.Promoter = replicaPromoter{}

func (replicaPromoter) GetServerExt(*autopilot.Config, *autopilot.ServerState) any { return nil }

func (replicaPromoter) GetStateExt(*autopilot.Config, *autopilot.State) any { return nil }

func (replicaPromoter) GetNodeTypes(_ *autopilot.Config, s *autopilot.State) map[raft.ServerID]autopilot.NodeType {
	types := make(map[raft.ServerID]autopilot.NodeType, len(s.Servers))
	for id, srv := range s.Servers {
		types[id] = srv.Server.NodeType // as KnownServers set it
	}
	return types
}

func (replicaPromoter) CalculatePromotionsAndDemotions(c *autopilot.Config, s *autopilot.State) autopilot.RaftChanges {
	var changes autopilot.RaftChanges
	now := time.Now()
	stable := s.ServerStabilizationTime(c)
	for id, srv := range s.Servers {
		if srv.State == autopilot.RaftNonVoter && srv.Server.NodeType == autopilot.NodeVoter && srv.Health.IsStable(now, stable) {
			changes.Promotions = append(changes.Promotions, id)
		}
	}
	return changes
}

func (replicaPromoter) FilterFailedServerRemovals(_ *autopilot.Config, _ *autopilot.State, failed *autopilot.FailedServers) *autopilot.FailedServers {
	return failed
}

func (replicaPromoter) IsPotentialVoter(t autopilot.NodeType) bool {
	return t == autopilot.NodeVoter
}
