package client_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane"
	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

const (
	operatorToken = "operator-secret-token"
	clusterToken  = "cluster-secret-token"
)

// tLogWriter sends log lines to t.Log.
type tLogWriter struct{ t *testing.T }

func (w tLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// openNode opens a control-plane node on loopback, bootstrapped or not,
// and closes it when the test ends.
func openNode(t *testing.T, id string, bootstrap bool) *controlplane.Node {
	t.Helper()
	n, err := controlplane.Open(controlplane.Config{
		NodeID:           id,
		DataDir:          t.TempDir(),
		RaftListen:       "127.0.0.1:0",
		APIListen:        "127.0.0.1:0",
		Bootstrap:        bootstrap,
		OperatorToken:    operatorToken,
		ClusterToken:     clusterToken,
		Logger:           slog.New(slog.NewTextHandler(tLogWriter{t}, nil)),
		HeartbeatTimeout: 200 * time.Millisecond,
		ElectionTimeout:  200 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	// Close before the test ends, so that no log line reaches a finished t.
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("close node: %v", err)
		}
	})
	return n
}

func startLeader(t *testing.T) *controlplane.Node {
	t.Helper()
	n := openNode(t, "node-1", true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.WaitLeader(ctx); err != nil {
		t.Fatalf("wait for leader: %v", err)
	}
	return n
}

func nodeURL(n *controlplane.Node) string {
	return "http://" + n.APIAddr().String()
}

// deadURL returns the URL of a loopback port that nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func newClient(t *testing.T, token string, urls ...string) *client.Client {
	t.Helper()
	c, err := client.New(urls, token)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return c
}

func TestNew_RejectsBadURLs(t *testing.T) {
	tests := []struct {
		name string
		urls []string
	}{
		{"none", nil},
		{"relative", []string{"/v1"}},
		{"no scheme", []string{"127.0.0.1:9400"}},
		{"other scheme", []string{"ftp://127.0.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := client.New(tt.urls, "token"); err == nil {
				t.Errorf("New(%q): got no error, want one", tt.urls)
			}
		})
	}
}

func TestClient_Domains(t *testing.T) {
	n := startLeader(t)
	c := newClient(t, operatorToken, nodeURL(n)+"/")
	ctx := t.Context()

	added, err := c.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"mayfly.test", "mayfly-mail.test"}, Region: "local"})
	if err != nil || len(added) != 2 {
		t.Fatalf("AddDomains: got %v, %v, want 2 domains", added, err)
	}
	list, err := c.Domains(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "mayfly-mail.test" {
		t.Errorf("Domains: got %v, %v, want 2 sorted domains", list, err)
	}
	d, err := c.Domain(ctx, "mayfly.test")
	if err != nil || d.Status != state.Active {
		t.Errorf("Domain: got %+v, %v, want active mayfly.test", d, err)
	}
	d, err = c.RetireDomain(ctx, "mayfly.test", "listed")
	if err != nil || d.Status != state.Retired || d.Reason != "listed" {
		t.Errorf("RetireDomain: got %+v, %v, want retired with reason", d, err)
	}
}

func TestClient_APIError(t *testing.T) {
	n := startLeader(t)
	tests := []struct {
		name       string
		token      string
		call       func(*client.Client) error
		wantStatus int
		wantCode   string
	}{
		{"unknown domain", operatorToken, func(c *client.Client) error {
			_, err := c.Domain(t.Context(), "absent.test")
			return err
		}, 404, "domain_not_found"},
		{"invalid name", operatorToken, func(c *client.Client) error {
			_, err := c.AddDomains(t.Context(), wire.AddDomainsRequest{Names: []string{"-bad.test"}, Region: "local"})
			return err
		}, 400, "invalid"},
		{"wrong token", "wrong", func(c *client.Client) error {
			_, err := c.Domains(t.Context())
			return err
		}, 401, "unauthorized"},
		{"operator token on edge route", operatorToken, func(c *client.Client) error {
			return c.Heartbeat(t.Context(), "edge-1")
		}, 401, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(newClient(t, tt.token, nodeURL(n)))

			var apiErr *client.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error: got %v, want an *APIError", err)
			}
			if apiErr.Status != tt.wantStatus || apiErr.Code != tt.wantCode || apiErr.Message == "" {
				t.Errorf("error: got %+v, want status %d code %s and a message", apiErr, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestClient_EdgeCalls(t *testing.T) {
	n := startLeader(t)
	admin := newClient(t, operatorToken, nodeURL(n))
	edge := newClient(t, clusterToken, nodeURL(n))
	ctx := t.Context()
	if _, err := admin.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"mayfly.test"}, Region: "local"}); err != nil {
		t.Fatalf("AddDomains: %v", err)
	}

	reg, err := edge.Register(ctx, wire.EdgeRegistration{ID: "edge-1", Region: "local", MXHost: "mx.mayfly.test", Addrs: []string{"127.0.0.1"}})
	if err != nil || reg.OwnerCode != "aa" {
		t.Fatalf("Register: got %+v, %v, want owner code aa", reg, err)
	}
	if err := edge.Heartbeat(ctx, "edge-1"); err != nil {
		t.Errorf("Heartbeat: got %v, want none", err)
	}
	edges, err := admin.Edges(ctx)
	if err != nil || len(edges) != 1 || edges[0].OwnerCode != "aa" {
		t.Errorf("Edges: got %+v, %v, want edge-1", edges, err)
	}
	st, err := admin.ClusterStatus(ctx)
	if err != nil || st.LeaderID != "node-1" || len(st.Peers) != 1 {
		t.Errorf("ClusterStatus: got %+v, %v, want node-1 leading alone", st, err)
	}

	dir, err := edge.Directory(ctx, "local", 0, time.Minute)
	if err != nil || len(dir.Domains) != 1 || len(dir.Edges) != 1 {
		t.Fatalf("Directory: got %+v, %v, want 1 domain and 1 edge", dir, err)
	}
	// The node announces its own API address through Raft shortly after it
	// starts, which may move the index once: query again until a wait ends
	// without a change.
	var again wire.Directory
	var waited time.Duration
	for range 10 {
		start := time.Now()
		again, err = edge.Directory(ctx, "local", dir.Index, 200*time.Millisecond)
		waited = time.Since(start)
		if err != nil || again.Index == dir.Index {
			break
		}
		dir = again
	}
	if err != nil || again.Index != dir.Index || waited < 200*time.Millisecond {
		t.Errorf("blocking Directory: got index %d, %v after %s, want index %d after at least 200ms", again.Index, err, waited, dir.Index)
	}
}

func TestClient_DirectoryHonoursContext(t *testing.T) {
	n := startLeader(t)
	edge := newClient(t, clusterToken, nodeURL(n), nodeURL(n))
	dir, err := edge.Directory(t.Context(), "local", 0, 0)
	if err != nil {
		t.Fatalf("Directory: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()

	start := time.Now()
	_, err = edge.Directory(ctx, "local", max(dir.Index, 1), time.Minute)

	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("Directory: got %v after %s, want a deadline error soon after 100ms", err, time.Since(start))
	}
}

func TestClient_Failover(t *testing.T) {
	leader := startLeader(t)
	lonely := openNode(t, "lonely", false) // no cluster and no leader, so it returns 503 for writes
	dead := deadURL(t)

	tests := []struct {
		name    string
		urls    []string
		wantErr bool
	}{
		{"connection refused, then leader", []string{dead, nodeURL(leader)}, false},
		{"node without leader, then leader", []string{nodeURL(lonely), nodeURL(leader)}, false},
		{"only unreachable URLs", []string{dead, deadURL(t)}, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, operatorToken, tt.urls...)
			name := []string{"a.test", "b.test", "c.test"}[i]
			_, err := c.AddDomains(t.Context(), wire.AddDomainsRequest{Names: []string{name}, Region: "local"})
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Errorf("AddDomains: got error %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestClient_APIErrorWithoutJSONBody(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		buf := make([]byte, 4096)
		_, _ = conn.Read(buf)
		_, _ = conn.Write([]byte("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 8\r\nConnection: close\r\n\r\nupstream"))
	}()
	c := newClient(t, operatorToken, "http://"+ln.Addr().String())

	_, err = c.Domains(t.Context())

	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Code != "" || apiErr.Message != "Bad Gateway" {
		t.Errorf("error: got %v, want an *APIError 502 Bad Gateway without code", err)
	}
}
