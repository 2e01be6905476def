package controlplane

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

var testDNSSettings = state.DNSSettings{
	OpsZone: "ops.mayfly.test", Hostmaster: "hostmaster@mayfly.test",
	NameServers: []state.NameServer{{Host: "ns1.ops.mayfly.test", Addrs: []string{"127.0.0.1"}}},
	TTL:         300, NegativeTTL: 60, Refresh: 3600, Retry: 600, Expire: 86400,
}

// seedCluster writes domains, an edge and DNS settings through n's API.
func seedCluster(t *testing.T, n *Node) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := operatorClient(t, n).AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"mayfly.test", "mayfly-mail.test"}, Region: "local"}); err != nil {
		t.Fatalf("add domains through %s: %v", n.cfg.NodeID, err)
	}
	callJSON(t, n, "POST", "/v1/edges/register", testClusterToken,
		wire.EdgeRegistration{ID: "edge-1", Region: "local", MXHost: "mx1.ops.mayfly.test", Addrs: []string{"127.0.0.1"}}, 200, nil)
	leader := currentLeader([]*Node{n})
	if leader == nil {
		return // DNS settings have no API route; set them on the leader below
	}
	if err := leader.SetDNSSettings(ctx, testDNSSettings); err != nil {
		t.Fatalf("set dns settings: %v", err)
	}
}

func TestCluster_JoinThroughFollowerAndForwardWrites(t *testing.T) {
	c := startCluster(t)
	follower := c.follower()

	seedCluster(t, follower)
	if err := c.leader().SetDNSSettings(t.Context(), testDNSSettings); err != nil {
		t.Fatalf("set dns settings: %v", err)
	}

	got := c.waitConverged()
	if len(got.Domains) != 2 {
		t.Errorf("domains: got %d, want 2", len(got.Domains))
	}
	if _, ok := got.Edges["edge-1"]; !ok {
		t.Errorf("edges: got %v, want edge-1", got.Edges)
	}
	for _, n := range c.running() {
		if len(raftServers(t, n)) != 3 {
			t.Errorf("%s: got %d raft servers, want 3", n.cfg.NodeID, len(raftServers(t, n)))
		}
	}
}

func TestCluster_RepeatedJoinIsHarmless(t *testing.T) {
	c := startCluster(t)
	before := raftServers(t, c.leader())

	c.join(2, 0)
	c.join(1, 2)

	after := raftServers(t, c.leader())
	if !reflect.DeepEqual(before, after) {
		t.Errorf("raft servers after a repeated join: got %v, want %v", after, before)
	}
	c.waitMembers(3)
}

func TestCluster_NewLeaderAcceptsWritesAfterLeaderStops(t *testing.T) {
	c := startCluster(t)
	old := c.leader()
	for i, n := range c.nodes {
		if n == old {
			c.stop(i)
		}
	}

	start := time.Now()
	var accepted bool
	for time.Since(start) < 5*time.Second && !accepted {
		leader := currentLeader(c.running())
		if leader != nil {
			_, err := leader.AddDomains(t.Context(), wire.AddDomainsRequest{Names: []string{"after.test"}, Region: "local"})
			accepted = err == nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !accepted {
		t.Fatalf("write after the leader stopped: got no success within 5s, want one")
	}
	for _, n := range c.running() {
		eventually(t, n.cfg.NodeID+" has after.test", func() bool {
			_, ok := n.State().Domain("after.test")
			return ok
		})
	}
}

func TestCluster_RestartKeepsState(t *testing.T) {
	c := startCluster(t)
	seedCluster(t, c.follower())
	want := c.waitConverged()

	for i := range c.nodes {
		c.stop(i)
	}
	for i := range c.configs {
		c.configs[i].Bootstrap = false
		c.start(i)
	}

	c.leader()
	eventually(t, "every node restores the state", func() bool {
		for _, n := range c.running() {
			if !sameContent(n.State(), want) {
				return false
			}
		}
		return true
	})
}

func TestNode_BootstrapOverExistingStateRejected(t *testing.T) {
	cfg := testConfig(t, "node-1")
	cfg.RejectExistingState = true
	n, err := Open(cfg)
	if err != nil {
		t.Fatalf("first open: %v", err)
	}
	waitLeader(t, n)
	if err := n.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	_, err = Open(cfg)

	if !errors.Is(err, ErrExistingState) {
		t.Errorf("second bootstrap: got %v, want ErrExistingState", err)
	}
}

func TestCluster_SnapshotRestoreIntoNewCluster(t *testing.T) {
	c := startCluster(t)
	seedCluster(t, c.follower())
	if err := c.leader().SetDNSSettings(t.Context(), testDNSSettings); err != nil {
		t.Fatalf("set dns settings: %v", err)
	}
	want := c.waitConverged()

	saved, err := operatorClient(t, c.follower()).Snapshot(t.Context())
	if err != nil {
		t.Fatalf("save snapshot: %v", err)
	}
	info, err := fsm.InspectSnapshot(bytes.NewReader(saved))
	if err != nil || info.Domains != 2 || info.Edges != 1 {
		t.Fatalf("inspect snapshot: got %+v, %v, want 2 domains and 1 edge", info, err)
	}

	fresh := startLeader(t)
	eventually(t, "the new leader announces its API URL", func() bool {
		return fresh.State().Members["node-1"].APIURL == fresh.APIURL()
	})
	if err := operatorClient(t, fresh).RestoreSnapshot(t.Context(), saved); err != nil {
		t.Fatalf("restore snapshot: %v", err)
	}

	got := fresh.State()
	if !reflect.DeepEqual(got.Domains, want.Domains) {
		t.Errorf("domains: got %v, want %v", got.Domains, want.Domains)
	}
	if !reflect.DeepEqual(got.Edges, want.Edges) {
		t.Errorf("edges: got %v, want %v", got.Edges, want.Edges)
	}
	if !reflect.DeepEqual(got.DNS, want.DNS) {
		t.Errorf("dns settings: got %+v, want %+v", got.DNS, want.DNS)
	}
	if m := got.Members["node-1"]; m.APIURL != fresh.APIURL() {
		t.Errorf("members after restore: got %v, want the new cluster's own", got.Members)
	}
}

func TestCluster_ConsistentReadFromFollower(t *testing.T) {
	c := startCluster(t)
	follower := c.follower()
	addDomains(t, c.leader(), "local", "mayfly.test")

	domains, err := operatorClient(t, follower).Domains(t.Context(), client.Consistent())
	if err != nil {
		t.Fatalf("consistent read: %v", err)
	}
	if len(domains) != 1 {
		t.Errorf("consistent read through a follower: got %d domains, want 1", len(domains))
	}
}

func TestCluster_TransferLeadershipToNamedVoter(t *testing.T) {
	c := startCluster(t)
	target := c.follower()

	if err := operatorClient(t, target).TransferLeadership(t.Context(), target.cfg.NodeID); err != nil {
		t.Fatalf("transfer leadership: %v", err)
	}

	eventually(t, "leadership moves to "+target.cfg.NodeID, func() bool {
		return currentLeader(c.running()) == target
	})
}
