package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

const clusterTestToken = "operator-secret-token"

// startControlNode opens a bootstrapped single-node control plane on
// loopback and waits until it leads and has announced its API URL.
func startControlNode(t *testing.T) *controlplane.Node {
	t.Helper()
	return startControlNodeWith(t, func(*controlplane.Config) {})
}

// startControlNodeWith is startControlNode with a config that edit changes
// first.
func startControlNodeWith(t *testing.T, edit func(*controlplane.Config)) *controlplane.Node {
	t.Helper()
	cfg := controlplane.Config{
		NodeID: "node-1", DataDir: t.TempDir(), RaftListen: "127.0.0.1:0", APIListen: "127.0.0.1:0",
		Bootstrap: true, OperatorToken: clusterTestToken, ClusterToken: "cluster-secret-token",
		Logger: slog.New(slog.DiscardHandler),
	}
	edit(&cfg)
	n, err := controlplane.Open(cfg)
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	t.Cleanup(func() { _ = n.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.WaitLeader(ctx); err != nil {
		t.Fatalf("wait for leader: %v", err)
	}
	if _, err := n.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"mayfly.test", "mayfly-mail.test"}, Region: "local"}); err != nil {
		t.Fatalf("add domains: %v", err)
	}
	for n.State().Members["node-1"].APIURL != n.APIURL() {
		if ctx.Err() != nil {
			t.Fatalf("announce API URL: got none within 10s, want %s", n.APIURL())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return n
}

// runCtl runs mayflyctl in-process against the node and returns stdout.
func runCtl(t *testing.T, n *controlplane.Node, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	root := newRootCommand()
	root.SetArgs(append([]string{"--addr", n.APIURL(), "--token", clusterTestToken}, args...))
	root.SetOut(&out)
	root.SetErr(&out)
	if err := root.ExecuteContext(t.Context()); err != nil {
		t.Fatalf("mayflyctl %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func TestCluster_Commands(t *testing.T) {
	n := startControlNode(t)
	snapshot := filepath.Join(t.TempDir(), "state.json")

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"status", []string{"cluster", "status"}, []string{"leader     node-1", "node-1", "voter", n.APIURL()}},
		{"peers", []string{"cluster", "peers"}, []string{"node-1", n.RaftAddr(), "voter"}},
		{"snapshot save", []string{"cluster", "snapshot", "save", snapshot}, []string{"saved snapshot at index"}},
		{"snapshot inspect", []string{"cluster", "snapshot", "inspect", snapshot}, []string{"VERSION", "1 "}},
		{"snapshot restore", []string{"cluster", "snapshot", "restore", snapshot}, []string{"restored"}},
		{"consistent list", []string{"domains", "list", "--consistent"}, []string{"mayfly-mail.test", "mayfly.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runCtl(t, n, tt.args...)
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("output: got %q, want it to contain %q", got, want)
				}
			}
		})
	}
}

func TestCluster_SnapshotInspectCounts(t *testing.T) {
	n := startControlNode(t)
	snapshot := filepath.Join(t.TempDir(), "state.json")
	runCtl(t, n, "cluster", "snapshot", "save", snapshot)

	got := runCtl(t, n, "--output", "json", "cluster", "snapshot", "inspect", snapshot)

	for _, want := range []string{`"version": 1`, `"domains": 2`, `"edges": 0`} {
		if !strings.Contains(got, want) {
			t.Errorf("inspect: got %s, want it to contain %s", got, want)
		}
	}
}
