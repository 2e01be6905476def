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
)

// testCluster is three nodes in one process, each with its own Raft, data
// directory and loopback ports, which stay the same across restarts.
type testCluster struct {
	t       *testing.T
	configs []Config
	nodes   []*Node // nil for a stopped node
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for a node that must get the same address again after a restart.
//
// The address is on a random 127.0.0.x rather than 127.0.0.1, because the
// kernel hands ports of 127.0.0.1 to outgoing connections, which could take
// the port before the node binds it.
func freeAddr(t *testing.T) string {
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
func startCluster(t *testing.T) *testCluster {
	t.Helper()
	return startClusterWith(t, func(int, *Config) {})
}

// startClusterWith is startCluster with configure applied to the
// configuration of node i before the node first starts.
func startClusterWith(t *testing.T, configure func(i int, cfg *Config)) *testCluster {
	t.Helper()
	c := &testCluster{t: t}
	for i, id := range []string{"node-1", "node-2", "node-3"} {
		cfg := clusterConfig(t, id, i == 0)
		cfg.RejectExistingState = true
		cfg.RaftListen, cfg.APIListen = freeAddr(t), freeAddr(t)
		configure(i, &cfg)
		c.configs = append(c.configs, cfg)
		c.nodes = append(c.nodes, nil)
	}
	c.start(0)
	waitLeader(t, c.nodes[0])
	c.start(1)
	c.join(1, 0)
	c.start(2)
	c.join(2, 1)
	c.waitMembers(3)
	return c
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
	if err := c.nodes[i].JoinCluster(ctx, []string{apiURL(c.nodes[via])}, false); err != nil {
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

func operatorClient(t *testing.T, n *Node) *client.Client {
	t.Helper()
	c, err := client.New([]string{apiURL(n)}, testOperatorToken)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

func raftServers(t *testing.T, n *Node) []raft.Server {
	t.Helper()
	c, err := n.configuration()
	if err != nil {
		t.Fatalf("read configuration of %s: %v", n.cfg.NodeID, err)
	}
	return c.Servers
}
