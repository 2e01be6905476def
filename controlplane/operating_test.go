package controlplane

// The tests in this file follow the procedures of docs/operating.md step
// by step, through the same API calls that mayflyctl makes.

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// sameServedState compares what a restore brings back: domains, edges and
// DNS settings. Members are each cluster's own.
func sameServedState(t *testing.T, what string, got, want *state.State) {
	t.Helper()
	if !reflect.DeepEqual(got.Domains, want.Domains) {
		t.Errorf("%s domains: got %v, want %v", what, got.Domains, want.Domains)
	}
	if !reflect.DeepEqual(got.Edges, want.Edges) {
		t.Errorf("%s edges: got %v, want %v", what, got.Edges, want.Edges)
	}
	if !reflect.DeepEqual(got.DNS, want.DNS) {
		t.Errorf("%s dns settings: got %+v, want %+v", what, got.DNS, want.DNS)
	}
}

func TestOperating_SnapshotRestoreAfterClusterLoss(t *testing.T) {
	old := startCluster(t)
	seedCluster(t, old.follower())
	if err := old.leader().SetDNSSettings(t.Context(), testDNSSettings); err != nil {
		t.Fatalf("set dns settings: %v", err)
	}
	want := old.waitConverged()
	saved, err := operatorClient(t, old.follower()).Snapshot(t.Context())
	if err != nil {
		t.Fatalf("mayflyctl cluster snapshot save: %v", err)
	}

	// The whole cluster is lost: every node and its data directory.
	for i := range old.nodes {
		old.stop(i)
		if err := os.RemoveAll(old.configs[i].DataDir); err != nil {
			t.Fatalf("remove data directory: %v", err)
		}
	}

	rebuilt := startCluster(t)
	if err := operatorClient(t, rebuilt.follower()).RestoreSnapshot(t.Context(), saved); err != nil {
		t.Fatalf("mayflyctl cluster snapshot restore: %v", err)
	}
	got := rebuilt.waitConverged()
	for _, n := range rebuilt.running() {
		sameServedState(t, n.cfg.NodeID, n.State(), want)
	}
	if len(got.Members) != 3 || got.Members["node-1"].APIURL != rebuilt.nodes[0].APIURL() {
		t.Errorf("members after restore: got %v, want the rebuilt cluster's three", got.Members)
	}
}

func TestOperating_RemoveNode(t *testing.T) {
	c := startCluster(t)
	gone := c.follower()
	goneID := gone.cfg.NodeID

	removePeer(t, c, goneID)
	for i, n := range c.nodes {
		if n == gone {
			c.stop(i)
		}
	}

	for _, n := range c.running() {
		if _, member := suffrageOf(t, n, goneID); member {
			t.Errorf("%s: got %s in the raft configuration, want it removed", n.cfg.NodeID, goneID)
		}
	}
	eventually(t, "every node forgets "+goneID, func() bool {
		for _, n := range c.running() {
			if _, ok := n.State().Members[goneID]; ok {
				return false
			}
		}
		return true
	})
	addDomains(t, c.leader(), "local", "after-remove.test")
}

// removePeer removes id through the leader's API as mayflyctl cluster
// remove does. It retries a removal whose outcome was unknown because
// leadership moved meanwhile, and after such a try, not_member means the
// earlier try took effect.
func removePeer(t *testing.T, c *testCluster, id string) {
	t.Helper()
	unknown := false
	eventually(t, "mayflyctl cluster remove "+id, func() bool {
		err := operatorClient(t, c.leader()).RemovePeer(t.Context(), id)
		var apiErr *client.APIError
		switch {
		case err == nil:
			return true
		case errors.As(err, &apiErr) && apiErr.Code == "not_member" && unknown:
			return true
		case errors.As(err, &apiErr) && apiErr.Code == "outcome_unknown":
			unknown = true
		default:
			t.Fatalf("mayflyctl cluster remove %s: %v", id, err)
		}
		return false
	})
}

// peersEntry is one server in peers.json, the format raft.ReadConfigJSON
// reads.
type peersEntry struct {
	ID       string `json:"id"`
	Address  string `json:"address"`
	NonVoter bool   `json:"non_voter"`
}

func writePeersFile(t *testing.T, dataDir string, peers []peersEntry) string {
	t.Helper()
	data, err := json.Marshal(peers)
	if err != nil {
		t.Fatalf("encode peers.json: %v", err)
	}
	path := filepath.Join(dataDir, "raft", "peers.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("write peers.json: %v", err)
	}
	return path
}

func TestOperating_PeersJSONRecoversLostQuorum(t *testing.T) {
	c := startCluster(t)
	seedCluster(t, c.follower())
	want := c.waitConverged()

	// Two of three nodes are lost for good; the survivor alone cannot
	// elect itself.
	for i := range c.nodes {
		c.stop(i)
	}
	survivor := 1
	cfg := c.configs[survivor]
	path := writePeersFile(t, cfg.DataDir, []peersEntry{{ID: cfg.NodeID, Address: cfg.RaftListen}})
	c.configs[survivor].Bootstrap = false
	n := c.start(survivor)

	waitLeader(t, n)
	if n.Raft().State() != raft.Leader {
		t.Fatalf("%s after recovery: got %v, want Leader", cfg.NodeID, n.Raft().State())
	}
	sameServedState(t, "recovered node", n.State(), want)
	if servers := raftServers(t, n); len(servers) != 1 || string(servers[0].ID) != cfg.NodeID {
		t.Errorf("raft configuration after recovery: got %v, want %s alone", servers, cfg.NodeID)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("peers.json after recovery: got stat error %v, want the file deleted", err)
	}
	addDomains(t, n, "local", "after-recovery.test")
}

func TestOperating_PeersJSONRejectsInvalidFile(t *testing.T) {
	cfg := testConfig(t, "node-1")
	n := openNode(t, cfg)
	waitLeader(t, n)
	if err := n.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	path := filepath.Join(cfg.DataDir, "raft", "peers.json")
	if err := os.WriteFile(path, []byte(`[{"id": "node-1"}]`), 0o600); err != nil {
		t.Fatalf("write peers.json: %v", err)
	}

	cfg.Bootstrap = false
	_, err := Open(cfg)

	if err == nil {
		t.Fatalf("open with a peers.json without an address: got no error, want one")
	}
	if _, statErr := os.Stat(path); statErr != nil {
		t.Errorf("invalid peers.json: got stat error %v, want the file kept for the operator to fix", statErr)
	}
}

func TestOperating_LogCompactionKeepsTrailingLogs(t *testing.T) {
	const threshold, trailing = 40, 10
	c := startClusterWith(t, func(_ int, cfg *Config) {
		cfg.SnapshotThreshold = threshold
		cfg.SnapshotInterval = 100 * time.Millisecond
		cfg.TrailingLogs = trailing
	})
	leader := c.leader()
	for i := range 3 * threshold {
		addDomains(t, leader, "local", fmt.Sprintf("compact-%d.test", i))
	}

	// Raft snapshots, then deletes the log up to the snapshot minus the
	// trailing entries.
	eventually(t, "the leader compacts its log", func() bool {
		first, err := leader.store.FirstIndex()
		return err == nil && first > trailing
	})
	first, _ := leader.store.FirstIndex()
	last, _ := leader.store.LastIndex()
	if kept := last - first + 1; kept < trailing {
		t.Errorf("log entries kept: got %d, want at least the %d trailing entries", kept, trailing)
	}

	// A node that joins now starts from a snapshot, since the log no
	// longer reaches back to the start.
	i := c.add(func(_ int, cfg *Config) {})
	late := c.start(i)
	c.join(i, 0)
	eventually(t, "the late node restores the state", func() bool {
		return sameContentDomains(late.State(), leader.State())
	})
}

func sameContentDomains(a, b *state.State) bool {
	return reflect.DeepEqual(a.Domains, b.Domains)
}
