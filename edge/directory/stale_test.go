package directory

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane"
	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
	"github.com/mayfly-mail/mayfly/edge/api"
)

const (
	staleOperatorToken = "operator-secret-token"
	staleClusterToken  = "cluster-secret-token"
)

// loopbackAddr returns a free address on a random 127.0.0.x, so that a
// restarted node gets the same address again.
func loopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", 2+mathrand.IntN(250)))
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// controlCluster is three control-plane nodes on loopback.
type controlCluster struct {
	configs []controlplane.Config
	nodes   []*controlplane.Node
}

func startControlCluster(t *testing.T) *controlCluster {
	t.Helper()
	c := &controlCluster{}
	for i := range 3 {
		c.configs = append(c.configs, controlplane.Config{
			NodeID:        fmt.Sprintf("node-%d", i+1),
			DataDir:       t.TempDir(),
			RaftListen:    loopbackAddr(t),
			APIListen:     loopbackAddr(t),
			Bootstrap:     i == 0,
			OperatorToken: staleOperatorToken,
			ClusterToken:  staleClusterToken,
			Logger:        slog.New(slog.DiscardHandler),
			Autopilot:     controlplane.AutopilotConfig{ServerStabilizationTime: 200 * time.Millisecond, Interval: 200 * time.Millisecond, LastContactThreshold: 2 * time.Second},
		})
		c.nodes = append(c.nodes, nil)
		c.start(t, i)
		if i == 0 {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			if err := c.nodes[0].WaitLeader(ctx); err != nil {
				t.Fatalf("wait for leader: %v", err)
			}
			cancel()
			continue
		}
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		if err := c.nodes[i].JoinCluster(ctx, []string{c.nodes[0].APIURL()}); err != nil {
			t.Fatalf("join node-%d: %v", i+1, err)
		}
		cancel()
	}
	return c
}

func (c *controlCluster) start(t *testing.T, i int) {
	t.Helper()
	n, err := controlplane.Open(c.configs[i])
	if err != nil {
		t.Fatalf("open node-%d: %v", i+1, err)
	}
	c.nodes[i] = n
	t.Cleanup(func() { _ = n.Close() })
}

func (c *controlCluster) stop(t *testing.T, i int) {
	t.Helper()
	if err := c.nodes[i].Close(); err != nil {
		t.Errorf("close node-%d: %v", i+1, err)
	}
}

func (c *controlCluster) urls() []string {
	var out []string
	for _, n := range c.nodes {
		out = append(out, n.APIURL())
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: got no success within 20s, want it to happen", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readyzBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatalf("GET /readyz: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read /readyz: %v", err)
	}
	return resp.StatusCode, string(body)
}

func TestWatcher_ServesStaleCopyWithoutLeader(t *testing.T) {
	c := startControlCluster(t)
	admin, err := client.New(c.urls(), staleOperatorToken)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	if _, err := admin.AddDomains(t.Context(), wire.AddDomainsRequest{Names: []string{"mayfly.test"}, Region: "local"}); err != nil {
		t.Fatalf("add domain: %v", err)
	}
	source, err := client.New(c.urls(), staleClusterToken)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	w := New(source, "local", slog.New(slog.DiscardHandler))
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	go w.Run(ctx)
	health := httptest.NewServer(api.Health(w.Ready, w.StaleNote))
	defer health.Close()

	waitFor(t, "the watcher gets the domain", func() bool { return len(w.ActiveDomains()) == 1 })
	if status, body := readyzBody(t, health.URL); status != http.StatusOK || body != "ready\n" {
		t.Errorf("readyz with a leader: got %d %q, want 200 \"ready\\n\"", status, body)
	}

	// Two of three nodes stop: the last one has no leader.
	c.stop(t, 0)
	c.stop(t, 1)
	waitFor(t, "the watcher notices the missing leader", func() bool { return w.StaleNote() != "" })
	status, body := readyzBody(t, health.URL)
	if status != http.StatusOK || !strings.HasPrefix(body, "ready: stale directory since ") {
		t.Errorf("readyz without a leader: got %d %q, want 200 and a body naming the stale directory", status, body)
	}
	if got := w.ActiveDomains(); len(got) != 1 || got[0] != "mayfly.test" {
		t.Errorf("domains without a leader: got %v, want the last copy [mayfly.test]", got)
	}

	// The nodes return; the copy is fresh again.
	for i := range 2 {
		c.configs[i].Bootstrap = false
		c.start(t, i)
	}
	waitFor(t, "the watcher sees a leader again", func() bool { return w.StaleNote() == "" })
	if status, body := readyzBody(t, health.URL); status != http.StatusOK || body != "ready\n" {
		t.Errorf("readyz after the leader returns: got %d %q, want 200 \"ready\\n\"", status, body)
	}
}
