package controlplane

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hashicorp/raft"
)

// Config configures a Node.
type Config struct {
	// NodeID is the node's stable Raft server id.
	NodeID string
	// DataDir holds the Raft log, stable store and snapshots.
	DataDir string
	// RaftListen is the host:port the Raft transport binds.
	RaftListen string
	// RaftAdvertise is the host:port other nodes reach this node at. Empty
	// means the bound address, which must then not be unspecified (0.0.0.0).
	RaftAdvertise string
	// APIListen is the host:port of the HTTP API. Empty means Open starts
	// no API listener, and the caller serves Handler itself.
	APIListen string
	// APIAdvertise is the base URL other nodes reach this node's API at,
	// such as http://10.0.0.1:9400. Empty means http:// and the bound API
	// address when that is not unspecified (0.0.0.0); without either, the
	// node cannot receive forwarded writes.
	APIAdvertise string
	// Bootstrap makes a node without Raft state found a new single-voter
	// cluster. A node that has state already starts from it, unless
	// RejectExistingState is set.
	Bootstrap bool
	// RejectExistingState makes Open return ErrExistingState when
	// Bootstrap is set and the data directory has Raft state, so that an
	// operator cannot found a second cluster over a member's data.
	RejectExistingState bool
	// OperatorToken guards the admin routes of the API.
	OperatorToken string
	// ClusterToken guards the routes that edges call.
	ClusterToken string
	// Logger receives the node's logs, Raft's included. Nil means slog.Default().
	Logger *slog.Logger
	// HeartbeatTimeout and ElectionTimeout are Raft's; zero means 1s.
	HeartbeatTimeout time.Duration
	ElectionTimeout  time.Duration
	// EdgeTimeout is the maximum age of an edge's last heartbeat before the
	// leader marks the edge unhealthy and DNS leaves it out of MX. Zero
	// means DefaultEdgeTimeout.
	EdgeTimeout time.Duration
	// NonVoter makes the node a read replica: it joins as a non-voter,
	// serves reads from its replica, never votes and is never promoted.
	NonVoter bool
	// Autopilot tunes how the leader promotes new servers and removes
	// dead ones.
	Autopilot AutopilotConfig
	// SnapshotThreshold, SnapshotInterval and TrailingLogs are Raft's log
	// compaction settings. Every SnapshotInterval (with jitter) Raft takes
	// a snapshot if SnapshotThreshold entries were committed since the
	// last one. It then deletes the log up to the snapshot but keeps the
	// newest TrailingLogs entries, so a follower that trails by fewer
	// catches up from the log instead of a snapshot. Zero means Raft's
	// defaults: 8192 entries, 120s and 10240 entries.
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64
	// Rotation configures the blocklist checks and the domain rotation
	// that the leader runs.
	Rotation RotationConfig

	// raftLayer, when set, replaces the TCP stream layer that the Raft
	// transport would open on RaftListen, and its Addr is the address the
	// node advertises. Only tests in this package set it, to put a
	// fault-injecting network between nodes.
	raftLayer raft.StreamLayer
}

const defaultRaftTimeout = time.Second

// DefaultEdgeTimeout is the EdgeTimeout used when none is set: six missed
// heartbeats at the edge's default interval of 5s.
const DefaultEdgeTimeout = 30 * time.Second

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.HeartbeatTimeout == 0 {
		c.HeartbeatTimeout = defaultRaftTimeout
	}
	if c.ElectionTimeout == 0 {
		c.ElectionTimeout = defaultRaftTimeout
	}
	if c.EdgeTimeout == 0 {
		c.EdgeTimeout = DefaultEdgeTimeout
	}
	c.Autopilot = c.Autopilot.withDefaults(c.HeartbeatTimeout)
	c.Rotation = c.Rotation.withDefaults()
	return c
}

// Validate checks that every required field is set and that the two
// tokens differ, so that an edge's credential never opens the admin API.
func (c Config) Validate() error {
	required := []struct{ name, value string }{
		{"node id", c.NodeID},
		{"data dir", c.DataDir},
		{"raft listen address", c.RaftListen},
		{"operator token", c.OperatorToken},
		{"cluster token", c.ClusterToken},
	}
	for _, r := range required {
		if r.value == "" {
			return fmt.Errorf("invalid control-plane config: %s is missing", r.name)
		}
	}
	if c.OperatorToken == c.ClusterToken {
		return errors.New("invalid control-plane config: operator token and cluster token must differ")
	}
	if c.HeartbeatTimeout < 0 || c.ElectionTimeout < 0 {
		return errors.New("invalid control-plane config: raft timeouts must not be negative")
	}
	if c.EdgeTimeout < 0 {
		return fmt.Errorf("invalid control-plane config: edge timeout %s is negative", c.EdgeTimeout)
	}
	if c.SnapshotInterval < 0 {
		return fmt.Errorf("invalid control-plane config: snapshot interval %s is negative", c.SnapshotInterval)
	}
	if err := c.Rotation.validate(); err != nil {
		return err
	}
	return c.Autopilot.validate()
}
