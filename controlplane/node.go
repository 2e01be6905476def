package controlplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	autopilot "github.com/hashicorp/raft-autopilot"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// Node is one running control-plane node. Its methods may be called
// concurrently.
type Node struct {
	cfg       Config
	log       *slog.Logger
	fsm       *fsm.FSM
	raft      *raft.Raft
	transport *raft.NetworkTransport
	store     *raftboltdb.BoltStore
	autopilot *autopilot.Autopilot
	pilot     *autopilotDelegate
	metrics   *nodeMetrics
	rotation  *rotationMetrics

	server   *http.Server
	apiAddr  net.Addr       // nil without Config.APIListen
	apiURL   string         // what other nodes reach the API at, "" when unknown
	peers    *http.Client   // forwards requests and reads peers' status
	loops    sync.WaitGroup // background loops, stopped by stopping
	stopping chan struct{}  // closed by Shutdown to end blocking queries
	stopOnce sync.Once
	waiting  atomic.Int64 // directory queries now blocked

	closeOnce sync.Once
	closeErr  error
}

// Open starts a node: it opens the Raft stores under cfg.DataDir, starts
// Raft, bootstraps a single-voter cluster when cfg.Bootstrap is set and no
// Raft state exists, and serves the API on cfg.APIListen when that is set.
// On error everything opened so far is closed again.
func Open(cfg Config) (*Node, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Node{
		cfg:      cfg,
		log:      cfg.Logger,
		fsm:      fsm.New(),
		metrics:  newNodeMetrics(),
		stopping: make(chan struct{}),
		peers:    &http.Client{Timeout: forwardTimeout},
	}
	n.server = &http.Server{Handler: n.routes(), ReadHeaderTimeout: 10 * time.Second}

	if err := n.startRaft(); err != nil {
		n.closeStores()
		return nil, err
	}
	if err := n.listenAPI(); err != nil {
		_ = n.Close()
		return nil, err
	}
	n.apiURL = advertisedAPIURL(cfg.APIAdvertise, n.apiAddr)
	n.autopilot = n.newAutopilot()
	n.registerNodeGauges()
	n.rotation = n.registerRotationMetrics()
	n.observeStateChanges()
	n.startAnnouncing()
	n.startLeaderWork()
	n.log.Info("control-plane node started", "node_id", cfg.NodeID,
		"raft_addr", string(n.transport.LocalAddr()), "api_addr", addrString(n.apiAddr))
	return n, nil
}

func (n *Node) listenAPI() error {
	if n.cfg.APIListen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", n.cfg.APIListen)
	if err != nil {
		return fmt.Errorf("listen for control-plane API: %w", err)
	}
	n.apiAddr = ln.Addr()
	go func() {
		if err := n.Serve(ln); err != nil {
			n.log.Error("control-plane API stopped", "error", err)
		}
	}()
	return nil
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// RaftAddr returns the address of the Raft transport, as other nodes
// reach it.
func (n *Node) RaftAddr() string {
	return string(n.transport.LocalAddr())
}

// APIAddr returns the address of the API listener that Open started, or
// nil without Config.APIListen.
func (n *Node) APIAddr() net.Addr {
	return n.apiAddr
}

// APIURL returns the base URL other nodes reach this node's API at, or ""
// when the node has none to announce.
func (n *Node) APIURL() string {
	return n.apiURL
}

// Raft returns the node's Raft instance, for tests and for Raft
// operations the node has no method for.
func (n *Node) Raft() *raft.Raft {
	return n.raft
}

// State returns the latest state applied on this node, which may trail
// the leader's by the replication lag. The caller must not modify it.
func (n *Node) State() *state.State {
	return n.fsm.State()
}

// WaitLeader waits until the cluster has a leader. On the leader it also
// waits until every committed entry is applied, so that State is current.
func (n *Node) WaitLeader(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		addr, _ := n.raft.LeaderWithID()
		if addr != "" {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for raft leader: %w", ctx.Err())
		case <-tick.C:
		}
	}
	if n.raft.State() != raft.Leader {
		return nil
	}
	if err := n.waitFuture(ctx, n.raft.Barrier(applyEnqueueTimeout)); err != nil {
		return fmt.Errorf("wait for raft leader: %w", err)
	}
	return nil
}

// Close stops the node in order: the API server first, so no request
// starts new Raft work, then Raft, which also closes its transport, and
// last the stores Raft wrote to. Close is idempotent.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var errs []error
		if err := n.Shutdown(ctx); err != nil {
			// Requests still running at the deadline are cut off, so that
			// Close always frees the listeners and can stop Raft.
			n.log.Warn("control-plane API did not drain in time, closing its connections", "error", err)
			if err := n.server.Close(); err != nil {
				errs = append(errs, fmt.Errorf("close control-plane API: %w", err))
			}
		}
		n.loops.Wait()
		if n.raft != nil {
			if err := n.raft.Shutdown().Error(); err != nil {
				errs = append(errs, fmt.Errorf("shut down raft: %w", err))
			}
		}
		if err := n.closeStores(); err != nil {
			errs = append(errs, err)
		}
		n.closeErr = errors.Join(errs...)
		n.log.Info("control-plane node stopped", "node_id", n.cfg.NodeID)
	})
	return n.closeErr
}

func (n *Node) closeStores() error {
	if n.store == nil {
		return nil
	}
	if err := n.store.Close(); err != nil {
		return fmt.Errorf("close raft store: %w", err)
	}
	return nil
}
