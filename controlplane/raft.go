package controlplane

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
)

// ErrExistingState is returned by Open for a bootstrap over a data
// directory that holds Raft state already, when Config.RejectExistingState
// is set. Start the node without bootstrap to resume from that state.
var ErrExistingState = errors.New("the data directory has raft state already: start without bootstrap to resume it, or use an empty data directory for a new cluster")

const (
	snapshotsRetained = 2
	transportPoolSize = 3
	transportTimeout  = 10 * time.Second
	// storeLockTimeout bounds the wait for the Bolt file lock, so a second
	// process on the same data directory fails instead of hanging.
	storeLockTimeout = time.Second
)

// startRaft opens the stores and the transport and starts Raft. On error
// the caller closes n.store; the transport is closed here.
func (n *Node) startRaft() error {
	dir := filepath.Join(n.cfg.DataDir, "raft")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create raft directory: %w", err)
	}
	logger := newHclogAdapter(n.log, "raft")

	store, err := raftboltdb.New(raftboltdb.Options{
		Path:        filepath.Join(dir, "raft.db"),
		BoltOptions: &bbolt.Options{Timeout: storeLockTimeout},
	})
	if err != nil {
		return fmt.Errorf("open raft store: %w", err)
	}
	n.store = store

	// The store keeps its files in a "snapshots" directory under dir.
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, snapshotsRetained, logger)
	if err != nil {
		return fmt.Errorf("open raft snapshot store: %w", err)
	}
	existing, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		return fmt.Errorf("check raft state: %w", err)
	}
	if existing && n.cfg.Bootstrap && n.cfg.RejectExistingState {
		return fmt.Errorf("bootstrap in %s: %w", n.cfg.DataDir, ErrExistingState)
	}
	if err := n.openTransport(logger); err != nil {
		return err
	}
	if err := n.recoverFromPeersFile(dir, logger, snaps); err != nil {
		_ = n.transport.Close()
		return err
	}

	r, err := raft.NewRaft(n.raftConfig(logger), timedFSM{fsm: n.fsm, metrics: n.metrics}, store, store, snaps, n.transport)
	if err != nil {
		_ = n.transport.Close()
		return fmt.Errorf("start raft: %w", err)
	}
	n.raft = r
	if n.cfg.Bootstrap && !existing {
		return n.bootstrap()
	}
	return nil
}

func (n *Node) openTransport(logger *hclogAdapter) error {
	if n.cfg.raftLayer != nil {
		n.transport = raft.NewNetworkTransportWithLogger(n.cfg.raftLayer, transportPoolSize, transportTimeout, logger.Named("net"))
		return nil
	}
	if advertisesName(n.cfg.RaftAdvertise) {
		layer, err := listenNamed(n.cfg.RaftListen, n.cfg.RaftAdvertise)
		if err != nil {
			return err
		}
		n.transport = raft.NewNetworkTransportWithLogger(layer, transportPoolSize, transportTimeout, logger.Named("net"))
		return nil
	}
	var advertise net.Addr
	if n.cfg.RaftAdvertise != "" {
		addr, err := net.ResolveTCPAddr("tcp", n.cfg.RaftAdvertise)
		if err != nil {
			return fmt.Errorf("resolve raft advertise address %q: %w", n.cfg.RaftAdvertise, err)
		}
		advertise = addr
	}
	t, err := raft.NewTCPTransportWithLogger(n.cfg.RaftListen, advertise, transportPoolSize, transportTimeout, logger.Named("net"))
	if err != nil {
		return fmt.Errorf("open raft transport on %s: %w", n.cfg.RaftListen, err)
	}
	n.transport = t
	return nil
}

func (n *Node) raftConfig(logger *hclogAdapter) *raft.Config {
	conf := raft.DefaultConfig()
	conf.LocalID = raft.ServerID(n.cfg.NodeID)
	conf.HeartbeatTimeout = n.cfg.HeartbeatTimeout
	conf.ElectionTimeout = n.cfg.ElectionTimeout
	// Raft requires the lease to be no longer than the heartbeat timeout.
	conf.LeaderLeaseTimeout = min(conf.LeaderLeaseTimeout, n.cfg.HeartbeatTimeout)
	conf.Logger = logger
	if n.cfg.SnapshotThreshold > 0 {
		conf.SnapshotThreshold = n.cfg.SnapshotThreshold
	}
	if n.cfg.SnapshotInterval > 0 {
		conf.SnapshotInterval = n.cfg.SnapshotInterval
	}
	if n.cfg.TrailingLogs > 0 {
		conf.TrailingLogs = n.cfg.TrailingLogs
	}
	return conf
}

// peersFile is the name, in the raft directory, of the file an operator
// writes to recover a cluster that lost its quorum for good.
const peersFile = "peers.json"

// recoverFromPeersFile replaces the Raft configuration with the one in
// raft/peers.json when that file exists, and deletes the file once the
// new configuration is stored, so that the recovery happens once. The
// file is a JSON list of {"id", "address", "non_voter"}, as
// raft.ReadConfigJSON reads it. Every surviving node must get the same
// file before any of them starts.
func (n *Node) recoverFromPeersFile(dir string, logger *hclogAdapter, snaps raft.SnapshotStore) error {
	path := filepath.Join(dir, peersFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	configuration, err := raft.ReadConfigJSON(path)
	if err != nil {
		return fmt.Errorf("recover from %s: %w", path, err)
	}
	// Recovery replays the log into a scratch state machine to take a
	// snapshot; the node's own restores from that snapshot afterwards.
	if err := raft.RecoverCluster(n.raftConfig(logger), fsm.New(), n.store, n.store, snaps, n.transport, configuration); err != nil {
		return fmt.Errorf("recover from %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("recover from %s: the new configuration is stored, but the file could not be deleted and would be applied again at the next start: %w", path, err)
	}
	n.log.Warn("recovered the raft configuration from peers.json", "path", path, "servers", len(configuration.Servers))
	return nil
}

// bootstrap founds a single-voter cluster of this node.
func (n *Node) bootstrap() error {
	servers := raft.Configuration{Servers: []raft.Server{{
		Suffrage: raft.Voter,
		ID:       raft.ServerID(n.cfg.NodeID),
		Address:  n.transport.LocalAddr(),
	}}}
	if err := n.raft.BootstrapCluster(servers).Error(); err != nil {
		_ = n.raft.Shutdown().Error()
		return fmt.Errorf("bootstrap raft cluster: %w", err)
	}
	n.log.Info("bootstrapped single-voter raft cluster", "node_id", n.cfg.NodeID)
	return nil
}
