package controlplane

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// partitionedCluster is a three-node cluster whose Raft traffic runs
// through one faultLayer per node.
type partitionedCluster struct {
	*testCluster
	layers []*faultLayer
}

func startPartitionedCluster(t *testing.T) *partitionedCluster {
	t.Helper()
	var layers []*faultLayer
	c := startClusterWith(t, func(_ int, cfg *Config) {
		layer := newFaultLayer(t, cfg.RaftListen)
		layers = append(layers, layer)
		cfg.raftLayer = layer
	})
	return &partitionedCluster{testCluster: c, layers: layers}
}

// layerOf returns the fault layer under node n.
func (c *partitionedCluster) layerOf(n *Node) *faultLayer {
	c.t.Helper()
	i := slices.Index(c.nodes, n)
	if i < 0 {
		c.t.Fatalf("node %s is not in the cluster", n.cfg.NodeID)
	}
	return c.layers[i]
}

// ackedWrites records the domains whose add a node acknowledged.
type ackedWrites struct {
	mu    sync.Mutex
	names []string
}

func (a *ackedWrites) add(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.names = append(a.names, name)
}

func (a *ackedWrites) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.names)
}

// writeLoop adds one new domain after another through whichever node
// leads now, recording each acknowledged add, until ctx ends. Adds that
// fail or time out are not recorded: they may or may not be committed.
func writeLoop(ctx context.Context, nodes []*Node, acked *ackedWrites) {
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("loop-%d.test", i)
		leader := currentLeader(nodes)
		if leader == nil {
			waitOrDone(ctx, 10*time.Millisecond) // poll again for a leader
			continue
		}
		applyCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := leader.AddDomains(applyCtx, wire.AddDomainsRequest{Names: []string{name}, Region: "local"})
		cancel()
		if err == nil {
			acked.add(name)
		}
	}
}

// waitOrDone waits for d or until ctx ends.
func waitOrDone(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// addDomainEventually adds a domain through n, retrying until n accepts
// it, and records the acknowledgement.
func addDomainEventually(t *testing.T, n *Node, name string, acked *ackedWrites) {
	t.Helper()
	eventually(t, n.cfg.NodeID+" accepts "+name, func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		_, err := n.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{name}, Region: "local"})
		return err == nil
	})
	acked.add(name)
}

// hasDomains reports whether n's state holds every name.
func hasDomains(n *Node, names []string) bool {
	s := n.State()
	for _, name := range names {
		if _, ok := s.Domain(name); !ok {
			return false
		}
	}
	return true
}

func TestCluster_PartitionedLeaderLosesWrites(t *testing.T) {
	c := startPartitionedCluster(t)
	acked := &ackedWrites{}
	old := c.leader()
	addDomainEventually(t, old, "before.test", acked)

	writing, stopWriting := context.WithCancel(t.Context())
	var writer sync.WaitGroup
	writer.Go(func() { writeLoop(writing, c.running(), acked) })
	defer func() { stopWriting(); writer.Wait() }()

	// Cut the leader off; the other two elect a new leader.
	c.layerOf(old).partition()
	majority := slices.DeleteFunc(c.running(), func(n *Node) bool { return n == old })
	var newLeader *Node
	eventually(t, "the majority elects a new leader and the old one steps down", func() bool {
		newLeader = currentLeader(majority)
		return newLeader != nil && old.Raft().State() != raft.Leader
	})
	addDomainEventually(t, newLeader, "during.test", acked)

	checkIsolatedRejectsWrite(t, old, "rejected.test")

	c.layerOf(old).heal()
	eventually(t, old.cfg.NodeID+" catches up with the write made during the partition", func() bool {
		return hasDomains(old, []string{"during.test"})
	})
	stopWriting()
	writer.Wait()

	want := acked.all()
	t.Logf("checking %d acknowledged writes on every node", len(want))
	for _, n := range c.running() {
		eventually(t, fmt.Sprintf("%s holds all %d acknowledged writes", n.cfg.NodeID, len(want)), func() bool {
			return hasDomains(n, want)
		})
	}
	converged := c.waitConverged()
	if _, ok := converged.Domain("rejected.test"); ok {
		t.Errorf("rejected.test: got it in the state after healing, want it absent because the write was rejected")
	}
}

// checkIsolatedRejectsWrite checks that a node cut off from the quorum
// rejects a write both through its Go API and through its HTTP API, with
// an error that says it has no leader and names the missing quorum.
func checkIsolatedRejectsWrite(t *testing.T, isolated *Node, name string) {
	t.Helper()
	req := wire.AddDomainsRequest{Names: []string{name}, Region: "local"}

	_, err := isolated.AddDomains(t.Context(), req)
	if !errors.Is(err, ErrNotLeader) || !strings.Contains(err.Error(), "quorum") {
		t.Errorf("add through the isolated node: got error %v, want ErrNotLeader naming the missing quorum", err)
	}

	_, err = operatorClient(t, isolated).AddDomains(t.Context(), req)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("add through the isolated node's API: got error %v, want a *client.APIError", err)
	}
	if apiErr.Status != http.StatusServiceUnavailable || apiErr.Code != "no_leader" {
		t.Errorf("add through the isolated node's API: got HTTP %d %q, want HTTP 503 \"no_leader\"", apiErr.Status, apiErr.Code)
	}
	if !strings.Contains(apiErr.Message, "quorum") {
		t.Errorf("add through the isolated node's API: got message %q, want it to name the missing quorum", apiErr.Message)
	}
}
