package controlplane

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

func TestConfig_Validate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"missing node id", func(c *Config) { c.NodeID = "" }, "node id is missing"},
		{"missing data dir", func(c *Config) { c.DataDir = "" }, "data dir is missing"},
		{"missing raft listen", func(c *Config) { c.RaftListen = "" }, "raft listen address is missing"},
		{"missing operator token", func(c *Config) { c.OperatorToken = "" }, "operator token is missing"},
		{"missing cluster token", func(c *Config) { c.ClusterToken = "" }, "cluster token is missing"},
		{"same tokens", func(c *Config) { c.ClusterToken = c.OperatorToken }, "must differ"},
		{"negative timeout", func(c *Config) { c.ElectionTimeout = -time.Second }, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, "node-1")
			tt.change(&cfg)
			_, err := Open(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open: got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNode_Bootstrap(t *testing.T) {
	n := startLeader(t)

	st := n.Status()
	if st.State != raft.Leader.String() || st.LeaderID != "node-1" {
		t.Errorf("status: got state %s leader %q, want Leader node-1", st.State, st.LeaderID)
	}
	if len(st.Peers) != 1 || !st.Peers[0].Voter || st.Peers[0].Address != n.RaftAddr() {
		t.Errorf("peers: got %+v, want one voter at %s", st.Peers, n.RaftAddr())
	}
}

func TestNode_RestartKeepsState(t *testing.T) {
	cfg := testConfig(t, "node-1")
	first := openNode(t, cfg)
	waitLeader(t, first)
	addDomains(t, first, "local", "mayfly.test", "mayfly-mail.test")
	if err := first.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	second := openNode(t, cfg) // Bootstrap is still set, as in a second `mayfly dev` run
	waitLeader(t, second)

	for _, name := range []string{"mayfly.test", "mayfly-mail.test"} {
		if _, ok := second.State().Domain(name); !ok {
			t.Errorf("domain %s after restart: got none, want it", name)
		}
	}
	addDomains(t, second, "local", "third.test")
}

func TestNode_RestoresFromRaftSnapshot(t *testing.T) {
	cfg := testConfig(t, "node-1")
	// Slow elections keep the restarted node a follower long enough to see
	// the state that came from the snapshot alone, before any log replay.
	cfg.HeartbeatTimeout, cfg.ElectionTimeout = 2*time.Second, 2*time.Second
	first := openNode(t, cfg)
	waitLeader(t, first)
	addDomains(t, first, "local", "mayfly.test")
	if err := first.Raft().Snapshot().Error(); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	snapIndex := first.State().Index
	if err := first.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	checkSnapshotFile(t, cfg.DataDir)

	second := openNode(t, cfg)

	s := second.State()
	if second.Raft().State() == raft.Leader {
		t.Fatalf("restarted node: got leader before the check, want follower")
	}
	if s.Index != snapIndex {
		t.Errorf("restored index: got %d, want %d", s.Index, snapIndex)
	}
	if _, ok := s.Domain("mayfly.test"); !ok {
		t.Errorf("restored state: got no mayfly.test, want it from the snapshot")
	}
}

// checkSnapshotFile checks that Raft's file snapshot store holds a
// snapshot in the state machine's JSON format.
func checkSnapshotFile(t *testing.T, dataDir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dataDir, "raft", "snapshots", "*", "state.bin"))
	if err != nil || len(files) != 1 {
		t.Fatalf("snapshot files: got %v (%v), want one", files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatalf("read snapshot: %v", err)
	}
	if want := `{"version":1,"state":{`; !strings.HasPrefix(string(data), want) {
		t.Errorf("snapshot: got %.40s..., want it to start with %s", data, want)
	}
}

func TestNode_ApplyReturnsRejection(t *testing.T) {
	n := startLeader(t)
	ctx := context.Background()
	addDomains(t, n, "local", "mayfly.test")

	_, err := n.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"mayfly.test"}, Region: "eu"})

	var rejected *fsm.RejectError
	if !errors.As(err, &rejected) || !errors.Is(err, fsm.ErrDomainExists) {
		t.Errorf("AddDomains: got %v, want a *fsm.RejectError of ErrDomainExists", err)
	}
}

func TestNode_FollowerRejectsWrites(t *testing.T) {
	cfg := testConfig(t, "lonely")
	cfg.Bootstrap = false
	n := openNode(t, cfg)

	_, err := n.SetDomainStatus(context.Background(), "mayfly.test", state.Active, "")

	if !errors.Is(err, ErrNotLeader) {
		t.Errorf("SetDomainStatus: got %v, want ErrNotLeader", err)
	}
}

func TestNode_ConvenienceMethods(t *testing.T) {
	n := startLeader(t)
	ctx := context.Background()
	addDomains(t, n, "local", "mayfly.test")

	edge, err := n.RegisterEdge(ctx, wire.EdgeRegistration{ID: "edge-1", Region: "local", MXHost: "mx.mayfly.test", Addrs: []string{"127.0.0.1"}})
	if err != nil || edge.OwnerCode != "aa" {
		t.Fatalf("RegisterEdge: got %+v, %v, want owner code aa", edge, err)
	}
	if err := n.Heartbeat(ctx, "edge-1"); err != nil {
		t.Errorf("Heartbeat: got %v, want none", err)
	}
	settings := state.DNSSettings{
		OpsZone: "ops.mayfly.test", Hostmaster: "hostmaster@mayfly.test",
		NameServers: []state.NameServer{{Host: "ns1.ops.mayfly.test", Addrs: []string{"127.0.0.1"}}},
		TTL:         300, NegativeTTL: 60, Refresh: 3600, Retry: 600, Expire: 86400,
	}
	if err := n.SetDNSSettings(ctx, settings); err != nil {
		t.Errorf("SetDNSSettings: got %v, want none", err)
	}
	d, err := n.SetDomainStatus(ctx, "mayfly.test", state.Retiring, "rotation")
	if err != nil || d.Status != state.Retiring {
		t.Errorf("SetDomainStatus: got %+v, %v, want retiring", d, err)
	}
	if err := n.RemoveEdge(ctx, "edge-1"); err != nil {
		t.Errorf("RemoveEdge: got %v, want none", err)
	}

	got := n.State().Domains["mayfly.test"].Serial
	// 1 at creation, +1 for the new edge, +1 for the DNS settings, +1 for
	// retiring (still serving mail), +1 for the removed edge.
	if got != 5 {
		t.Errorf("serial: got %d, want 5", got)
	}
}

func TestCluster_ThreeNodesReplicate(t *testing.T) {
	// Raft's default 1s timeouts keep leadership stable while the race
	// detector slows the nodes down.
	nodes := []*Node{openNode(t, clusterConfig(t, "node-1", true))}
	waitLeader(t, nodes[0])
	for _, id := range []string{"node-2", "node-3"} {
		n := openNode(t, clusterConfig(t, id, false))
		eventually(t, "add voter "+id, func() bool {
			leader := currentLeader(nodes)
			return leader != nil && leader.Raft().AddVoter(raft.ServerID(id), raft.ServerAddress(n.RaftAddr()), 0, 5*time.Second).Error() == nil
		})
		nodes = append(nodes, n)
	}

	var leader *Node
	eventually(t, "add domains on the leader", func() bool {
		leader = currentLeader(nodes)
		if leader == nil {
			return false
		}
		_, err := leader.AddDomains(t.Context(), wire.AddDomainsRequest{Names: []string{"mayfly.test", "mayfly-mail.test"}, Region: "local"})
		return err == nil
	})

	for _, n := range nodes {
		if n == leader {
			continue
		}
		checkFollower(t, n, leader)
	}
}

func clusterConfig(t testing.TB, id string, bootstrap bool) Config {
	t.Helper()
	cfg := testConfig(t, id)
	cfg.Bootstrap = bootstrap
	cfg.HeartbeatTimeout, cfg.ElectionTimeout = 0, 0
	return cfg
}

// currentLeader returns the node that is Raft leader now, or nil.
func currentLeader(nodes []*Node) *Node {
	for _, n := range nodes {
		if n.Raft().State() == raft.Leader {
			return n
		}
	}
	return nil
}

// checkFollower checks that a follower has the leader's state, serves it
// in the directory and forwards writes to the leader.
func checkFollower(t *testing.T, f, leader *Node) {
	t.Helper()
	eventually(t, "replication to "+f.cfg.NodeID, func() bool {
		_, ok := f.State().Domain("mayfly-mail.test")
		return ok && f.State().Index >= leader.State().Index
	})
	if got := len(f.Status().Peers); got != 3 {
		t.Errorf("%s peers: got %d, want 3", f.cfg.NodeID, got)
	}

	var dir wire.Directory
	callJSON(t, f, "GET", "/v1/directory?region=local", testClusterToken, nil, 200, &dir)
	if len(dir.Domains) < 2 {
		t.Errorf("%s directory: got %d domains, want at least 2", f.cfg.NodeID, len(dir.Domains))
	}

	name := f.cfg.NodeID + ".test"
	eventually(t, f.cfg.NodeID+" forwards a write", func() bool {
		status, _ := call(t, f, "POST", "/v1/domains", testOperatorToken, wire.AddDomainsRequest{Names: []string{name}, Region: "local"})
		return status == 201
	})
	if _, ok := leader.State().Domain(name); !ok {
		t.Errorf("%s forwarded write: leader has no %s, want it", f.cfg.NodeID, name)
	}
}

func addDomains(t testing.TB, n *Node, region string, names ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := n.AddDomains(ctx, wire.AddDomainsRequest{Names: names, Region: region}); err != nil {
		t.Fatalf("add domains %v: %v", names, err)
	}
}
