package controlplane

import (
	"context"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// testCluster is three nodes in one process, each with its own Raft, data
// directory and loopback ports, which stay the same across restarts.
type testCluster struct {
	t       testing.TB
	configs []Config
	nodes   []*Node // nil for a stopped node
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for a node that must get the same address again after a restart.
//
// The address is on a random 127.0.0.x rather than 127.0.0.1, because the
// kernel hands ports of 127.0.0.1 to outgoing connections, which could take
// the port before the node binds it.
func freeAddr(t testing.TB) string {
	t.Helper()
	ip := fmt.Sprintf("127.0.0.%d", 2+mathrand.IntN(250))
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startCluster bootstraps node-1, joins node-2 through node-1 and node-3
// through node-2, a follower, and waits until all three replicate.
func startCluster(t testing.TB) *testCluster {
	t.Helper()
	return startClusterWith(t, func(int, *Config) {})
}

// startClusterWith is startCluster with configure applied to the
// configuration of node i before the node first starts.
func startClusterWith(t testing.TB, configure func(i int, cfg *Config)) *testCluster {
	t.Helper()
	return startClusterOf(t, 3, configure)
}

// startClusterOf starts a cluster of size voters: node-1 bootstraps, and
// node i joins through node i-1.
func startClusterOf(t testing.TB, size int, configure func(i int, cfg *Config)) *testCluster {
	t.Helper()
	c := &testCluster{t: t}
	for range size {
		c.add(configure)
	}
	c.start(0)
	waitLeader(t, c.nodes[0])
	for i := 1; i < size; i++ {
		c.start(i)
		c.join(i, i-1)
	}
	c.waitMembers(size)
	c.waitVoters(size)
	return c
}

// add appends the configuration of one more node, node-1 bootstrapping,
// without starting it, and returns its index.
func (c *testCluster) add(configure func(i int, cfg *Config)) int {
	c.t.Helper()
	i := len(c.configs)
	cfg := clusterConfig(c.t, fmt.Sprintf("node-%d", i+1), i == 0)
	cfg.RejectExistingState = true
	cfg.RaftListen, cfg.APIListen = freeAddr(c.t), freeAddr(c.t)
	configure(i, &cfg)
	c.configs = append(c.configs, cfg)
	c.nodes = append(c.nodes, nil)
	return i
}

func (c *testCluster) start(i int) *Node {
	c.t.Helper()
	n, err := Open(c.configs[i])
	if err != nil {
		c.t.Fatalf("open %s: %v", c.configs[i].NodeID, err)
	}
	c.nodes[i] = n
	c.t.Cleanup(func() { _ = n.Close() })
	return n
}

func (c *testCluster) stop(i int) {
	c.t.Helper()
	if err := c.nodes[i].Close(); err != nil {
		c.t.Errorf("close %s: %v", c.configs[i].NodeID, err)
	}
	c.nodes[i] = nil
}

// join makes node i join through the API of node via.
func (c *testCluster) join(i, via int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.nodes[i].JoinCluster(ctx, []string{apiURL(c.nodes[via])}); err != nil {
		c.t.Fatalf("join %s through %s: %v", c.configs[i].NodeID, c.configs[via].NodeID, err)
	}
}

func (c *testCluster) running() []*Node {
	var out []*Node
	for _, n := range c.nodes {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}

// waitMembers waits until every running node has want voters in its Raft
// configuration and want API URLs in its state.
func (c *testCluster) waitMembers(want int) {
	c.t.Helper()
	eventually(c.t, "members on every node", func() bool {
		for _, n := range c.running() {
			if len(n.Status().Peers) != want || len(n.State().Members) != want {
				return false
			}
		}
		return true
	})
}

// waitVoters waits until every running node has want voters in its Raft
// configuration, which autopilot reaches by promoting the joined nodes.
func (c *testCluster) waitVoters(want int) {
	c.t.Helper()
	eventually(c.t, fmt.Sprintf("%d voters on every node", want), func() bool {
		for _, n := range c.running() {
			if countVoters(n.Status().Peers) != want {
				return false
			}
		}
		return true
	})
}

func countVoters(peers []wire.Peer) int {
	voters := 0
	for _, p := range peers {
		if p.Voter {
			voters++
		}
	}
	return voters
}

// leader waits for a leader among the running nodes and returns it.
func (c *testCluster) leader() *Node {
	c.t.Helper()
	var leader *Node
	eventually(c.t, "a leader", func() bool {
		leader = currentLeader(c.running())
		return leader != nil
	})
	return leader
}

func (c *testCluster) follower() *Node {
	c.t.Helper()
	leader := c.leader()
	for _, n := range c.running() {
		if n != leader {
			return n
		}
	}
	c.t.Fatal("no follower is running")
	return nil
}

// waitConverged waits until every running node has applied the same
// index as the leader and holds the same state, and returns that state.
func (c *testCluster) waitConverged() *state.State {
	c.t.Helper()
	leader := c.leader()
	eventually(c.t, "every node converges on the leader's state", func() bool {
		want := leader.State()
		for _, n := range c.running() {
			if !sameContent(n.State(), want) {
				return false
			}
		}
		return true
	})
	return leader.State()
}

// sameContent compares domains, edges, DNS settings and members.
func sameContent(a, b *state.State) bool {
	return reflect.DeepEqual(a.Domains, b.Domains) && reflect.DeepEqual(a.Edges, b.Edges) &&
		reflect.DeepEqual(a.DNS, b.DNS) && reflect.DeepEqual(a.Members, b.Members)
}

func operatorClient(t testing.TB, n *Node) *client.Client {
	t.Helper()
	c, err := client.New([]string{apiURL(n)}, testOperatorToken)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

func raftServers(t testing.TB, n *Node) []raft.Server {
	t.Helper()
	c, err := n.configuration()
	if err != nil {
		t.Fatalf("read configuration of %s: %v", n.cfg.NodeID, err)
	}
	return c.Servers
}
