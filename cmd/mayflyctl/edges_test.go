package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
	"github.com/mayfly-mail/mayfly/dnsserver"
	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

const testEdgeTimeout = 300 * time.Millisecond

// startDNS serves the node's replicated state on a free loopback port and
// returns the UDP address.
func startDNS(t *testing.T, n *controlplane.Node) string {
	t.Helper()
	settings := state.DNSSettings{
		OpsZone: "mayfly-ops.test", Hostmaster: "hostmaster@mayfly-ops.test",
		NameServers: []state.NameServer{{Host: "ns1.mayfly-ops.test", Addrs: []string{"127.0.0.1"}}},
		TTL:         60, NegativeTTL: 60, Refresh: 3600, Retry: 600, Expire: 1209600,
	}
	if err := n.SetDNSSettings(t.Context(), settings); err != nil {
		t.Fatalf("set dns settings: %v", err)
	}
	srv, err := dnsserver.New(dnsserver.Config{Addr: "127.0.0.1:0", Source: n.State, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("new dns server: %v", err)
	}
	if err := srv.Start(); err != nil {
		t.Fatalf("start dns server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv.UDPAddr().String()
}

// queryMX returns the MX hosts in the server's reply for domain, sorted.
func queryMX(t *testing.T, server, domain string) []string {
	t.Helper()
	msg := new(dns.Msg)
	msg.SetQuestion(dns.Fqdn(domain), dns.TypeMX)
	reply, _, err := new(dns.Client).Exchange(msg, server)
	if err != nil {
		t.Fatalf("query MX %s: %v", domain, err)
	}
	var hosts []string
	for _, rr := range reply.Answer {
		if mx, ok := rr.(*dns.MX); ok {
			hosts = append(hosts, mx.Mx)
		}
	}
	slices.Sort(hosts)
	return hosts
}

func registerTestEdge(t *testing.T, n *controlplane.Node, id, mxHost string) {
	t.Helper()
	reg := wire.EdgeRegistration{ID: id, Region: "local", MXHost: mxHost, Addrs: []string{"127.0.0.1"}}
	if _, err := n.RegisterEdge(t.Context(), reg); err != nil {
		t.Fatalf("register edge %s: %v", id, err)
	}
}

// pollUntil calls check every 20ms until it returns true or the deadline
// passes, and fails the test then.
func pollUntil(t *testing.T, within time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEdges_LivenessLeavesMX(t *testing.T) {
	n := startControlNodeWith(t, func(c *controlplane.Config) { c.EdgeTimeout = testEdgeTimeout })
	server := startDNS(t, n)
	registerTestEdge(t, n, "edge-live", "live.mayfly-ops.test")
	registerTestEdge(t, n, "edge-silent", "silent.mayfly-ops.test")
	both := []string{"live.mayfly-ops.test.", "silent.mayfly-ops.test."}
	if got := queryMX(t, server, "mayfly.test"); !slices.Equal(got, both) {
		t.Fatalf("MX after registration: got %v, want %v", got, both)
	}

	// edge-live keeps heartbeating while edge-silent stops.
	heartbeat := func() {
		if err := n.Heartbeat(t.Context(), "edge-live"); err != nil {
			t.Fatalf("heartbeat edge-live: %v", err)
		}
	}
	start := time.Now()
	pollUntil(t, 10*testEdgeTimeout, "edge-silent marked unhealthy", func() bool {
		heartbeat()
		return !n.State().Edges["edge-silent"].Healthy
	})
	if elapsed := time.Since(start); elapsed < testEdgeTimeout/2 {
		t.Errorf("edge-silent marked unhealthy after %s: want no sooner than the %s timeout allows", elapsed, testEdgeTimeout)
	}
	if !n.State().Edges["edge-live"].Healthy {
		t.Errorf("edge-live: got unhealthy, want healthy while it heartbeats")
	}
	if got, want := queryMX(t, server, "mayfly.test"), both[:1]; !slices.Equal(got, want) {
		t.Errorf("MX with edge-silent unhealthy: got %v, want %v", got, want)
	}

	listed := runCtl(t, n, "edges", "list", "--output", "json")
	var edges []state.Edge
	if err := json.Unmarshal([]byte(listed), &edges); err != nil {
		t.Fatalf("decode edges list %q: %v", listed, err)
	}
	if len(edges) != 2 || edges[1].ID != "edge-silent" || edges[1].Healthy {
		t.Errorf("edges list: got %+v, want edge-silent listed as unhealthy", edges)
	}

	if err := n.Heartbeat(t.Context(), "edge-silent"); err != nil {
		t.Fatalf("heartbeat edge-silent: %v", err)
	}
	if got := queryMX(t, server, "mayfly.test"); !slices.Equal(got, both) {
		t.Errorf("MX after edge-silent heartbeats again: got %v, want %v", got, both)
	}
}

func TestEdges_DrainLeavesMX(t *testing.T) {
	n := startControlNode(t)
	server := startDNS(t, n)
	registerTestEdge(t, n, "edge-1", "one.mayfly-ops.test")
	registerTestEdge(t, n, "edge-2", "two.mayfly-ops.test")

	out := runCtl(t, n, "edges", "drain", "edge-2")
	if !strings.Contains(out, "draining") {
		t.Errorf("edges drain output:\n%s\nwant the edge shown as draining", out)
	}
	if got, want := queryMX(t, server, "mayfly.test"), []string{"one.mayfly-ops.test."}; !slices.Equal(got, want) {
		t.Errorf("MX with edge-2 draining: got %v, want %v", got, want)
	}

	runCtl(t, n, "edges", "drain", "edge-2", "--undo")
	if n.State().Edges["edge-2"].Draining {
		t.Errorf("edge-2 after drain --undo: got draining, want not draining")
	}
	if got, want := queryMX(t, server, "mayfly.test"), []string{"one.mayfly-ops.test.", "two.mayfly-ops.test."}; !slices.Equal(got, want) {
		t.Errorf("MX after drain --undo: got %v, want %v", got, want)
	}
}

// testEdgeDrain drains the dev process's edge with mayflyctl and checks
// that it stops creating inboxes while an existing inbox stays readable,
// and that drain --undo restores creation.
func testEdgeDrain(t *testing.T, bin binaries, dev *devProcess) {
	operator := []string{"MAYFLY_TOKEN=" + dev.token}
	edges := decodeJSON[[]state.Edge](t, dev.ctlOK(t, bin, operator, "edges", "list", "--output", "json"))
	if len(edges) != 1 || !edges[0].Healthy || edges[0].Draining {
		t.Fatalf("edges list: got %+v, want one healthy edge that is not draining", edges)
	}
	id := edges[0].ID
	created := decodeJSON[apitypes.Created](t, dev.ctlOK(t, bin, nil, "inbox", "new", "--output", "json"))

	drained := decodeJSON[[]state.Edge](t, dev.ctlOK(t, bin, operator, "edges", "drain", id, "--output", "json"))
	if len(drained) != 1 || !drained[0].Draining {
		t.Fatalf("edges drain: got %+v, want the edge draining", drained)
	}
	pollUntil(t, 10*time.Second, "create answers 503 draining", func() bool {
		status, code := createStatus(t, dev.edge)
		return status == http.StatusServiceUnavailable && code == "draining"
	})
	if status := inboxStatus(t, dev.edge, created.Token); status != http.StatusOK {
		t.Errorf("read existing inbox while draining: got status %d, want 200", status)
	}

	dev.ctlOK(t, bin, operator, "edges", "drain", id, "--undo")
	pollUntil(t, 10*time.Second, "create answers 201 after undo", func() bool {
		status, _ := createStatus(t, dev.edge)
		return status == http.StatusCreated
	})
}

// createStatus posts an empty create request and returns the status and
// the error code of the reply.
func createStatus(t *testing.T, edge string) (int, string) {
	t.Helper()
	resp, err := http.Post(edge+"/api/v1/inboxes", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("create inbox: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Code string `json:"code"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Code
}

func inboxStatus(t *testing.T, edge, token string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, edge+"/api/v1/inbox", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("read inbox: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
