// Package containers runs a control-plane cluster and an edge in Docker
// containers on a private network of its own, and stops, restarts and
// disconnects control-plane nodes. It needs a Docker engine and runs only
// when MAYFLY_DOCKER_TESTS is 1, which .ci/run sets when `docker info`
// succeeds. Images are built FROM scratch around a static binary, so no
// registry is needed.
package containers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

const (
	operatorToken = "container-operator-token"
	clusterToken  = "container-cluster-token"
	// waitLimit bounds every wait: container starts and Raft elections
	// with the default 1s timeouts take seconds.
	waitLimit = 90 * time.Second
)

// dockerCluster is what one test created in Docker, named with a random
// prefix so that it never touches anything it did not create.
type dockerCluster struct {
	t       *testing.T
	prefix  string
	image   string
	network string
	ids     map[string]string // node name (cp1) to container id
	volumes map[string]string // node name to the volume of its data directory
}

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func newDockerCluster(t *testing.T) *dockerCluster {
	t.Helper()
	if os.Getenv("MAYFLY_DOCKER_TESTS") != "1" {
		t.Skip("SKIP: container tests need a Docker engine; .ci/run sets MAYFLY_DOCKER_TESTS=1 when `docker info` succeeds")
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	c := &dockerCluster{t: t, prefix: "mayfly-ct-" + hex.EncodeToString(suffix), ids: map[string]string{}, volumes: map[string]string{}}
	c.image = c.prefix + ":test"
	c.network = c.prefix + "-net"
	c.buildImage()
	docker(t, "network", "create", c.network)
	t.Cleanup(c.remove)
	return c
}

// buildImage builds the mayfly binary without cgo and an image FROM
// scratch around it.
func (c *dockerCluster) buildImage() {
	c.t.Helper()
	dir := c.t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "mayfly"), "github.com/mayfly-mail/mayfly/cmd/mayfly")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		c.t.Fatalf("build mayfly: %v: %s", err, out)
	}
	dockerfile := "FROM scratch\nCOPY mayfly /mayfly\nENTRYPOINT [\"/mayfly\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o600); err != nil {
		c.t.Fatalf("write Dockerfile: %v", err)
	}
	docker(c.t, "build", "-q", "-t", c.image, dir)
}

// remove deletes the containers, the network and the image this test
// created, by their ids and unique names.
func (c *dockerCluster) remove() {
	for name, id := range c.ids {
		if c.t.Failed() {
			out, _ := exec.Command("docker", "logs", "--tail", "40", id).CombinedOutput()
			c.t.Logf("last logs of %s:\n%s", name, out)
		}
		_ = exec.Command("docker", "rm", "-f", id).Run()
	}
	for _, volume := range c.volumes {
		_ = exec.Command("docker", "volume", "rm", "-f", volume).Run()
	}
	_ = exec.Command("docker", "network", "rm", c.network).Run()
	_ = exec.Command("docker", "rmi", "-f", c.image).Run()
}

func hostName(node string) string { return node + ".cluster.test" }

// start runs control-plane node `node` (cp1, cp2, ...) on the network,
// with its data directory on a volume of its own. With bootstrap it founds
// the cluster, otherwise it joins through cp1 and cp2, which is harmless
// for a node that is a member already.
func (c *dockerCluster) start(node string, bootstrap bool) {
	c.t.Helper()
	host := hostName(node)
	if c.volumes[node] == "" {
		c.volumes[node] = docker(c.t, "volume", "create", c.prefix+"-"+node)
	}
	args := []string{"run", "-d", "--name", c.prefix + "-" + node, "--network", c.network, "--network-alias", host,
		"-v", c.volumes[node] + ":/data",
		"-e", "MAYFLY_OPERATOR_TOKEN=" + operatorToken, "-e", "MAYFLY_CLUSTER_TOKEN=" + clusterToken,
		"-e", "MAYFLY_CONTROL_AUTOPILOT_SERVER_STABILIZATION_TIME=1s",
		"-p", "127.0.0.1::9400", "-p", "127.0.0.1::1053/udp",
		c.image, "control", "--node-id", node, "--data-dir", "/data",
		"--raft-listen", "0.0.0.0:9300", "--raft-advertise", host + ":9300",
		"--api-listen", "0.0.0.0:9400", "--api-advertise", "http://" + host + ":9400",
		"--dns-listen", "0.0.0.0:1053"}
	if bootstrap {
		args = append(args, "--bootstrap")
	} else {
		args = append(args, "--join", "http://"+hostName("cp1")+":9400,http://"+hostName("cp2")+":9400")
	}
	c.ids[node] = docker(c.t, args...)
}

// hostPort returns the loopback address Docker publishes a container
// port at now; it changes when the container restarts or reconnects.
func (c *dockerCluster) hostPort(node, port string) string {
	c.t.Helper()
	out := docker(c.t, "port", c.ids[node], port)
	return strings.Split(out, "\n")[0]
}

func (c *dockerCluster) apiURL(node string) string {
	return "http://" + c.hostPort(node, "9400/tcp")
}

// client returns an operator client of the nodes, as reachable now.
func (c *dockerCluster) client(nodes ...string) *client.Client {
	c.t.Helper()
	var urls []string
	for _, n := range nodes {
		urls = append(urls, c.apiURL(n))
	}
	cl, err := client.New(urls, operatorToken)
	if err != nil {
		c.t.Fatalf("new client: %v", err)
	}
	return cl
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: got no success within %s, want it to happen", what, waitLimit)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// status returns a node's cluster status, or false when it cannot be
// reached.
func (c *dockerCluster) status(node string) (wire.ClusterStatus, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	out, err := exec.Command("docker", "port", c.ids[node], "9400/tcp").Output()
	if err != nil || len(out) == 0 {
		return wire.ClusterStatus{}, false
	}
	cl, err := client.New([]string{"http://" + strings.Split(strings.TrimSpace(string(out)), "\n")[0]}, operatorToken)
	if err != nil {
		return wire.ClusterStatus{}, false
	}
	st, err := cl.ClusterStatus(ctx)
	return st, err == nil
}

// waitVoters waits until every listed node reports the same leader, not
// notLeader, and voters voting members, and returns the leader's node id.
func (c *dockerCluster) waitVoters(voters int, notLeader string, nodes ...string) string {
	c.t.Helper()
	var leader string
	waitFor(c.t, fmt.Sprintf("%d voters and one leader other than %q on %v", voters, notLeader, nodes), func() bool {
		leader = ""
		for _, n := range nodes {
			st, ok := c.status(n)
			if !ok || st.LeaderID == "" || st.LeaderID == notLeader || (leader != "" && st.LeaderID != leader) || countVoters(st.Peers) != voters {
				return false
			}
			leader = st.LeaderID
		}
		return true
	})
	return leader
}

func countVoters(peers []wire.Peer) int {
	n := 0
	for _, p := range peers {
		if p.Voter {
			n++
		}
	}
	return n
}

// addDomain adds a domain through the nodes, retrying while an election
// is under way.
func (c *dockerCluster) addDomain(name string, nodes ...string) {
	c.t.Helper()
	waitFor(c.t, "add "+name+" through "+strings.Join(nodes, ","), func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.client(nodes...).AddDomains(ctx, wire.AddDomainsRequest{Names: []string{name}, Region: "local"})
		return err == nil
	})
}

// mxTarget asks a node's DNS server for the domain's MX and returns the
// exchange host, or "" without an answer.
func (c *dockerCluster) mxTarget(node, domain string) string {
	out, err := exec.Command("docker", "port", c.ids[node], "1053/udp").Output()
	if err != nil || len(out) == 0 {
		return ""
	}
	addr := strings.Split(strings.TrimSpace(string(out)), "\n")[0]
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(domain), dns.TypeMX)
	resp, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, addr)
	if err != nil || resp.Rcode != dns.RcodeSuccess {
		return ""
	}
	for _, rr := range resp.Answer {
		if mx, ok := rr.(*dns.MX); ok {
			return mx.Mx
		}
	}
	return ""
}

// waitMX waits until every listed node answers the domain's MX with the
// edge's host name.
func (c *dockerCluster) waitMX(domain string, nodes ...string) {
	c.t.Helper()
	for _, n := range nodes {
		waitFor(c.t, n+" answers the MX of "+domain, func() bool {
			return c.mxTarget(n, domain) == edgeMXHost+"."
		})
	}
}

const edgeMXHost = "mx1.mayfly-ops.test"

// startEdge runs an edge container on the network. It registers, sends
// heartbeats and follows the directory, so its host name appears in the
// domains' MX.
func (c *dockerCluster) startEdge(nodes ...string) {
	c.t.Helper()
	var controlPlane []string
	for _, n := range nodes {
		controlPlane = append(controlPlane, "http://"+hostName(n)+":9400")
	}
	c.ids["edge1"] = docker(c.t, "run", "-d", "--name", c.prefix+"-edge1", "--network", c.network,
		"--network-alias", hostName("edge1"),
		"-e", "MAYFLY_CLUSTER_TOKEN="+clusterToken, "-e", "MAYFLY_EDGE_HEARTBEAT_INTERVAL=1s",
		"-p", "127.0.0.1::8081",
		c.image, "edge", "--node-id", "edge-1", "--data-dir", "/data", "--region", "local",
		"--smtp-listen", "0.0.0.0:2525", "--http-listen", "0.0.0.0:8080",
		"--internal-listen", "0.0.0.0:8081", "--internal-url", "http://"+hostName("edge1")+":8081",
		"--control-plane", strings.Join(controlPlane, ","),
		"--mx-host", edgeMXHost, "--public-addr", edgeAddr)
	waitFor(c.t, "the edge is ready", func() bool {
		resp, err := http.Get("http://" + c.hostPort("edge1", "8081/tcp") + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// edgeAddr is the address the edge's MX host name resolves to in DNS. It
// is only data in the answers, from the documentation range of RFC 5737:
// nothing sends traffic to it.
const edgeAddr = "192.0.2.10"

func others(all []string, not string) []string {
	var out []string
	for _, n := range all {
		if n != not {
			out = append(out, n)
		}
	}
	return out
}

func TestContainers_StopAndDisconnectNodes(t *testing.T) {
	c := newDockerCluster(t)
	nodes := []string{"cp1", "cp2", "cp3"}
	for _, n := range nodes {
		c.start(n, n == "cp1")
		if n == "cp1" {
			waitFor(t, "cp1 leads", func() bool { st, ok := c.status("cp1"); return ok && st.LeaderID == "cp1" })
		}
	}
	c.waitVoters(3, "", nodes...)
	c.addDomain("alpha.test", "cp2")
	c.startEdge(nodes...)
	c.waitMX("alpha.test", nodes...)

	// Stop the leader: the other two elect a new one and take writes.
	stopped := c.waitVoters(3, "", nodes...)
	docker(t, "stop", "-t", "5", c.ids[stopped])
	rest := others(nodes, stopped)
	c.waitVoters(3, stopped, rest...)
	c.addDomain("bravo.test", rest...)
	c.waitMX("bravo.test", rest...)

	// The stopped node starts again from its data and catches up. A new
	// container replaces the stopped one, without --bootstrap, which is
	// rejected over existing state.
	docker(t, "rm", c.ids[stopped])
	c.start(stopped, false)
	c.waitVoters(3, "", nodes...)
	c.waitMX("bravo.test", stopped)

	// Disconnect the leader from the network: the other two elect a new
	// leader and take writes, and the node catches up once connected.
	cut := c.waitVoters(3, "", nodes...)
	docker(t, "network", "disconnect", c.network, c.ids[cut])
	rest = others(nodes, cut)
	c.waitVoters(3, cut, rest...)
	c.addDomain("charlie.test", rest...)
	c.waitMX("charlie.test", rest...)
	docker(t, "network", "connect", "--alias", hostName(cut), c.network, c.ids[cut])
	c.waitVoters(3, "", nodes...)
	c.waitMX("charlie.test", cut)
}
