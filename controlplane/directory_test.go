package controlplane

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// directoryResult is the outcome of a directory query run in the background.
type directoryResult struct {
	dir     wire.Directory
	status  int
	elapsed time.Duration
}

func queryDirectory(t *testing.T, n *Node, query string) <-chan directoryResult {
	t.Helper()
	out := make(chan directoryResult, 1)
	go func() {
		start := time.Now()
		var res directoryResult
		res.status, res.dir = fetchDirectory(n, query)
		res.elapsed = time.Since(start)
		out <- res
	}()
	return out
}

// fetchDirectory runs in goroutines, so it reports failures in its status
// (0 for a transport error) instead of calling t.Fatal.
func fetchDirectory(n *Node, query string) (int, wire.Directory) {
	var dir wire.Directory
	req, err := http.NewRequest("GET", apiURL(n)+"/v1/directory?"+query, nil)
	if err != nil {
		return 0, dir
	}
	req.Header.Set("Authorization", "Bearer "+testClusterToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, dir
	}
	defer resp.Body.Close()
	if err := decodeResponse(resp, &dir); err != nil {
		return 0, dir
	}
	return resp.StatusCode, dir
}

func TestDirectory_Content(t *testing.T) {
	n := startLeader(t)
	addDomains(t, n, "local", "mayfly.test", "mayfly-mail.test", "retired.test")
	addDomains(t, n, "eu", "eu.test")
	if _, err := n.RetireDomain(t.Context(), "retired.test", "test"); err != nil {
		t.Fatalf("retire: %v", err)
	}
	registerEdge(t, n, "edge-1", "local")
	registerEdge(t, n, "edge-2", "eu")

	var dir wire.Directory
	callJSON(t, n, "GET", "/v1/directory?region=local", testClusterToken, nil, http.StatusOK, &dir)

	if dir.Index != n.State().Index || dir.Region != "local" {
		t.Errorf("index and region: got %d %s, want %d local", dir.Index, dir.Region, n.State().Index)
	}
	if len(dir.Domains) != 2 || dir.Domains[0].Name != "mayfly-mail.test" || dir.Domains[1].Name != "mayfly.test" {
		t.Errorf("domains: got %+v, want the two active domains of local", dir.Domains)
	}
	// Every region's edges are listed, for forwarding to an inbox's owner.
	if len(dir.Edges) != 2 || dir.Edges[0].ID != "edge-1" || dir.Edges[0].OwnerCode != "aa" ||
		dir.Edges[1].ID != "edge-2" || dir.Edges[1].Region != "eu" {
		t.Errorf("edges: got %+v, want edge-1 (aa) of local and edge-2 of eu", dir.Edges)
	}
	want := map[string]state.DomainStatus{"mayfly.test": "active", "mayfly-mail.test": "active", "retired.test": "retired", "eu.test": "active"}
	if fmt.Sprint(dir.AllDomains) != fmt.Sprint(want) {
		t.Errorf("all domains: got %v, want %v", dir.AllDomains, want)
	}
}

func TestDirectory_ReturnsPromptlyOnChange(t *testing.T) {
	n := startLeader(t)
	addDomains(t, n, "local", "mayfly.test")
	index := n.State().Index

	pending := queryDirectory(t, n, fmt.Sprintf("region=local&index=%d&wait=30s", index))
	waitForWatchers(t, n)
	addDomains(t, n, "local", "mayfly-mail.test")

	select {
	case res := <-pending:
		if res.status != http.StatusOK || res.dir.Index <= index || len(res.dir.Domains) != 2 {
			t.Errorf("reply: got status %d index %d with %d domains, want 200, index above %d, 2 domains", res.status, res.dir.Index, len(res.dir.Domains), index)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("reply: got none within 10s of the change, want one promptly")
	}
}

func TestDirectory_WaitsWithoutChange(t *testing.T) {
	n := startLeader(t)
	addDomains(t, n, "local", "mayfly.test")
	registerEdge(t, n, "edge-eu", "eu")
	index := n.State().Index
	const wait = 500 * time.Millisecond

	pending := queryDirectory(t, n, fmt.Sprintf("region=local&index=%d&wait=%s", index, wait))
	waitForWatchers(t, n)
	registerEdge(t, n, "edge-eu", "eu") // a heartbeat, which changes no part of the directory

	res := <-pending
	if res.status != http.StatusOK {
		t.Fatalf("status: got %d, want 200", res.status)
	}
	if res.elapsed < wait {
		t.Errorf("elapsed: got %s, want at least %s", res.elapsed, wait)
	}
	if res.dir.Index != n.State().Index || len(res.dir.Domains) != 1 {
		t.Errorf("reply: got index %d with %d domains, want index %d with 1", res.dir.Index, len(res.dir.Domains), n.State().Index)
	}
}

func TestDirectory_ImmediateReplies(t *testing.T) {
	n := startLeader(t)
	addDomains(t, n, "local", "mayfly.test")
	addDomains(t, n, "local", "mayfly-mail.test")

	for _, query := range []string{"region=local", "region=local&index=0&wait=1m", "region=local&index=1&wait=1m"} {
		t.Run(query, func(t *testing.T) {
			res := <-queryDirectory(t, n, query)
			if res.status != http.StatusOK || res.elapsed > 5*time.Second {
				t.Errorf("got status %d after %s, want 200 at once", res.status, res.elapsed)
			}
		})
	}
}

func TestDirectory_ShutdownEndsWait(t *testing.T) {
	n := startLeader(t)
	addDomains(t, n, "local", "mayfly.test")

	pending := queryDirectory(t, n, fmt.Sprintf("region=local&index=%d&wait=5m", n.State().Index))
	waitForWatchers(t, n)
	if err := n.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	select {
	case res := <-pending:
		if res.status != http.StatusOK {
			t.Errorf("status: got %d, want 200", res.status)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("reply: got none within 10s of shutdown, want one")
	}
}

func TestDirectory_InvalidQuery(t *testing.T) {
	n := startLeader(t)
	for _, query := range []string{"", "region=EU", "region=local&index=-1", "region=local&index=x", "region=local&wait=soon", "region=local&wait=-1s"} {
		t.Run(query, func(t *testing.T) {
			var e wire.Error
			callJSON(t, n, "GET", "/v1/directory?"+query, testClusterToken, nil, http.StatusBadRequest, &e)
			if e.Code != "invalid" {
				t.Errorf("code: got %q, want invalid", e.Code)
			}
		})
	}
}

func registerEdge(t *testing.T, n *Node, id, region string) {
	t.Helper()
	reg := wire.EdgeRegistration{ID: id, Region: region, MXHost: "mx." + id + ".test", Addrs: []string{"127.0.0.1"}}
	if _, err := n.RegisterEdge(t.Context(), reg); err != nil {
		t.Fatalf("register edge %s: %v", id, err)
	}
}
