package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane"
)

const (
	bootstrapIfNewFlag = "bootstrap-if-new"
	// bootstrapThisNode is the value of --bootstrap-if-new given alone.
	bootstrapThisNode = "true"
)

// bootstrapFounder returns the node id that --bootstrap-if-new names, or
// "" when the flag is not given, and rejects combinations that cannot
// start.
func bootstrapFounder(cmd *cobra.Command, cfg config.Config) (string, error) {
	if !cmd.Flags().Changed(bootstrapIfNewFlag) {
		return "", nil
	}
	founder, _ := cmd.Flags().GetString(bootstrapIfNewFlag)
	if founder == bootstrapThisNode {
		founder = cfg.NodeID
	}

	switch {
	case founder == "":
		return "", errors.New("invalid --bootstrap-if-new: empty node id; give the id of the node that founds the cluster, or the flag alone for this node")
	case cfg.Control.Bootstrap:
		return "", errors.New("invalid flags: --bootstrap always founds a cluster and --bootstrap-if-new only on a new node; use one of them")
	case founder == cfg.NodeID && cfg.Control.NonVoter:
		return "", errors.New("invalid flags: --non-voter makes a read replica, which cannot found a cluster; name a voter in --bootstrap-if-new")
	case founder != cfg.NodeID && len(cfg.Control.Join) == 0:
		return "", fmt.Errorf("invalid flags: --bootstrap-if-new names %s, so this node %s joins; set --join to the API URL of a member", founder, cfg.NodeID)
	}
	return founder, nil
}

// startControlIfNew starts a node under --bootstrap-if-new. The founder
// bootstraps when its data directory has no Raft state. Every other start
// is the one without the flag: it joins through cfg.Control.Join when set,
// which also tells the leader a node's new address after a restart, and
// otherwise resumes from the data directory.
func startControlIfNew(ctx context.Context, cfg config.Config, logger *slog.Logger, founder string) (*controlService, error) {
	if founder != cfg.NodeID {
		return startControl(ctx, cfg, logger)
	}

	fresh := cfg
	fresh.Control.Bootstrap = true
	fresh.Control.Join = nil
	svc, err := startControl(ctx, fresh, logger)
	if !errors.Is(err, controlplane.ErrExistingState) {
		return svc, err
	}
	// Open checks for state before it binds any port, so starting again
	// right away cannot find the ports taken.
	logger.Info("data directory has raft state, starting from it instead of bootstrapping", "node_id", cfg.NodeID)
	return startControl(ctx, cfg, logger)
}
