package controlplane

import (
	"net"
	"strconv"
	"testing"

	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// freeLoopbackPort returns a TCP port that was free on 127.0.0.1 a moment
// ago, for a node whose advertised address needs its port before it starts.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Nodes that advertise a host name are stored under that name, not the IP
// it resolved to at start, so a node that comes back on another IP stays
// reachable; and replication works by dialing the name.
func TestRaftAdvertise_KeepsHostName(t *testing.T) {
	var nodes []*Node
	for i := range 2 {
		port := strconv.Itoa(freeLoopbackPort(t))
		cfg := testConfig(t, "node-"+strconv.Itoa(i+1))
		cfg.RaftListen = "127.0.0.1:" + port
		cfg.RaftAdvertise = "localhost:" + port
		cfg.Bootstrap = i == 0
		n := openNode(t, cfg)
		if i == 0 {
			waitLeader(t, n)
		} else if err := n.JoinCluster(t.Context(), []string{apiURL(nodes[0])}); err != nil {
			t.Fatalf("join: %v", err)
		}
		nodes = append(nodes, n)
	}

	for _, p := range nodes[0].Status().Peers {
		if host, _, _ := net.SplitHostPort(p.Address); host != "localhost" {
			t.Errorf("peer %s stored at %q, want the advertised name localhost", p.ID, p.Address)
		}
	}
	if _, err := nodes[0].AddDomains(t.Context(), wire.AddDomainsRequest{Names: []string{"named.test"}, Region: "local"}); err != nil {
		t.Fatalf("add domain: %v", err)
	}
	eventually(t, "node-2 has named.test", func() bool {
		_, ok := nodes[1].State().Domain("named.test")
		return ok
	})
}

func TestRaftAdvertise_NameNeedsFixedPort(t *testing.T) {
	cfg := testConfig(t, "node-1")
	cfg.RaftAdvertise = "cp1.example.internal:0"
	if _, err := Open(cfg); err == nil {
		t.Fatal("got a node advertising port 0, want an error")
	}
}
