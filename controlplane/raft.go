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

	r, err := raft.NewRaft(n.raftConfig(logger), n.fsm, store, store, snaps, n.transport)
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
	return conf
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
