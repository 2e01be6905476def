package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// startIfNewForTest runs startControlIfNew and fails the test on error.
// The caller stops the service.
func startIfNewForTest(t *testing.T, ctx context.Context, cfg config.Config, founder string) *controlService {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, nil)).With("node", cfg.NodeID)
	svc, err := startControlIfNew(ctx, cfg, logger, founder)
	if err != nil {
		t.Fatalf("start %s with --bootstrap-if-new=%s: %v", cfg.NodeID, founder, err)
	}
	return svc
}

func stopForTest(t *testing.T, svc *controlService) {
	t.Helper()
	if err := svc.stop(context.Background()); err != nil {
		t.Errorf("stop: %v", err)
	}
}

// TestControl_BootstrapIfNewRestartKeepsState starts a founder twice on
// one data directory: the first start bootstraps, the second finds the
// Raft state, starts from it and keeps what the first one stored.
func TestControl_BootstrapIfNewRestartKeepsState(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := testConfig(t)
	cfg.ClusterToken = "test-cluster-token"

	first := startIfNewForTest(t, ctx, cfg, cfg.NodeID)
	if err := first.node.WaitLeader(ctx); err != nil {
		t.Fatalf("first start: %v", err)
	}
	if _, err := first.node.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"kept.test"}, Region: "local"}); err != nil {
		t.Fatalf("add domain: %v", err)
	}
	stopForTest(t, first)

	second := startIfNewForTest(t, ctx, cfg, cfg.NodeID)
	defer stopForTest(t, second)
	if err := second.node.WaitLeader(ctx); err != nil {
		t.Fatalf("second start: %v", err)
	}
	if _, ok := second.node.State().Domains["kept.test"]; !ok {
		t.Errorf("domains after restart: got %v, want kept.test among them", second.node.State().Domains)
	}
	if got := len(second.node.Status().Peers); got != 1 {
		t.Errorf("voters after restart: got %d, want 1 (no second bootstrap)", got)
	}
}

// TestControl_BootstrapIfNewOthersJoin starts two nodes with the same
// --bootstrap-if-new value and --join list, as the pods of a StatefulSet
// are: the named node founds the cluster and the other joins it.
func TestControl_BootstrapIfNewOthersJoin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	founderCfg := testConfig(t)
	founderCfg.NodeID = "cp-0"
	founderCfg.ClusterToken = "test-cluster-token"
	founder := startIfNewForTest(t, ctx, founderCfg, "cp-0")
	defer stopForTest(t, founder)

	joinerCfg := testConfig(t)
	joinerCfg.NodeID = "cp-1"
	joinerCfg.ClusterToken = "test-cluster-token"
	joinerCfg.Control.Join = []string{founder.node.APIURL()}
	joiner := startIfNewForTest(t, ctx, joinerCfg, "cp-0")
	defer stopForTest(t, joiner)

	waitUntil(t, time.Now().Add(20*time.Second), "cp-1 in the founder's raft configuration", func() bool {
		return len(founder.node.Status().Peers) == 2
	})
	waitUntil(t, time.Now().Add(20*time.Second), "cp-1 following cp-0", func() bool {
		return joiner.node.Status().LeaderID == "cp-0"
	})
}

func TestControl_BootstrapIfNewInvalidFlagsRejected(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"another founder without join", []string{"--node-id", "cp-1", "--bootstrap-if-new=cp-0"}, "--join"},
		{"with bootstrap", []string{"--bootstrap-if-new", "--bootstrap"}, "--bootstrap"},
		{"read replica founder", []string{"--bootstrap-if-new", "--non-voter"}, "--non-voter"},
		{"empty founder", []string{"--bootstrap-if-new="}, "empty node id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MAYFLY_OPERATOR_TOKEN", "operator-secret")
			t.Setenv("MAYFLY_CLUSTER_TOKEN", "cluster-secret")
			root := newRootCommand()
			root.SetArgs(append([]string{"control", "--data-dir", t.TempDir()}, tt.args...))
			root.SetOut(&bytes.Buffer{})
			root.SetErr(&bytes.Buffer{})

			err := root.ExecuteContext(t.Context())

			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("mayfly control %v: got error %v, want one naming %s", tt.args, err, tt.want)
			}
		})
	}
}

// TestControl_BootstrapIfNewCommandRestarts runs `mayfly control
// --bootstrap-if-new` twice with the same data directory, as a pod that
// restarts does: both starts must come up and stop cleanly, where
// --bootstrap would reject the second.
func TestControl_BootstrapIfNewCommandRestarts(t *testing.T) {
	t.Setenv("MAYFLY_OPERATOR_TOKEN", "operator-secret")
	t.Setenv("MAYFLY_CLUSTER_TOKEN", "cluster-secret")
	args := []string{"control", "--node-id", "cp-0", "--data-dir", t.TempDir(), "--bootstrap-if-new",
		"--raft-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0",
		"--heartbeat-timeout", "200ms", "--election-timeout", "200ms"}

	for _, start := range []string{"first start", "second start"} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out := &lockedBuffer{}
		root := newRootCommand()
		root.SetArgs(args)
		root.SetOut(out)
		root.SetErr(testWriter{t})
		done := make(chan error, 1)
		go func() { done <- root.ExecuteContext(ctx) }()

		waitUntil(t, time.Now().Add(30*time.Second), start+" summary", func() bool {
			select {
			case err := <-done:
				done <- err
				return true
			default:
				return strings.Contains(out.String(), "control-plane node is running")
			}
		})
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("%s: got error %v, want a clean run", start, err)
		}
		if !strings.Contains(out.String(), "control-plane node is running") {
			t.Errorf("%s output: got %q, want the running summary", start, out.String())
		}
	}
}
