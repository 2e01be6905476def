package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane"
	"github.com/mayfly-mail/mayfly/dnsserver"
)

// controlFlags maps the control command's flags to configuration keys.
var controlFlags = map[string]string{
	"node-id":           "node_id",
	"data-dir":          "data_dir",
	"raft-listen":       "control.raft_listen",
	"raft-advertise":    "control.raft_advertise",
	"api-listen":        "control.api_listen",
	"api-advertise":     "control.api_advertise",
	"dns-listen":        "control.dns_listen",
	"bootstrap":         "control.bootstrap",
	"join":              "control.join",
	"heartbeat-timeout": "control.heartbeat_timeout",
	"election-timeout":  "control.election_timeout",
	"non-voter":         "control.non_voter",
}

func newControlCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "control",
		Short: "Run a control-plane node: Raft member, control-plane API and DNS",
		Long: `Run one control-plane node. Found a new cluster with --bootstrap on the
first node, and start the others with --join and the API URL of any member.
Restart a node without either flag: it resumes from its data directory.

--bootstrap-if-new lets every start of a node use the same command, as a
Kubernetes StatefulSet does. A node with Raft state starts from it, joining
through --join when that is given. A new node founds the cluster when the
flag names it (alone or =true names this node), and otherwise joins.

The secrets come from the environment only: MAYFLY_OPERATOR_TOKEN guards the
admin API and MAYFLY_CLUSTER_TOKEN authenticates edges and nodes to each
other. The node refuses to start without both.`,
		Args: cobra.NoArgs,
		RunE: runControl,
	}
	flags := cmd.Flags()
	addProfilerFlag(flags)
	addCommonFlags(flags)
	flags.String("raft-listen", "", "Raft address to bind (default 127.0.0.1:9300)")
	flags.String("raft-advertise", "", "Raft address other nodes reach this node at (default: --raft-listen)")
	flags.String("api-listen", "", "control-plane API address to bind (default 127.0.0.1:9400)")
	flags.String("api-advertise", "", "API URL other nodes and mayflyctl reach this node at (default: http:// and --api-listen)")
	flags.String("dns-listen", "", "DNS address, UDP and TCP (default 127.0.0.1:1053)")
	flags.Bool("bootstrap", false, "found a new single-voter cluster; rejected when the data directory has Raft state")
	flags.StringSlice("join", nil, "API URL of a cluster member to join through; repeat or separate with commas")
	flags.Duration("heartbeat-timeout", 0, "Raft heartbeat timeout (default 1s)")
	flags.Duration("election-timeout", 0, "Raft election timeout (default 1s)")
	flags.Bool("non-voter", false, "join as a read replica: a non-voter that serves reads and is never promoted to voter")
	flags.String(bootstrapIfNewFlag, "", "node id that founds the cluster when the data directory has no Raft state; alone or =true means this node; others join through --join")
	flags.Lookup(bootstrapIfNewFlag).NoOptDefVal = bootstrapThisNode
	return cmd
}

func runControl(cmd *cobra.Command, _ []string) error {
	cfg, err := loadConfig(cmd, controlFlags)
	if err != nil {
		return err
	}
	if err := checkControlConfig(&cfg); err != nil {
		return err
	}
	founder, err := bootstrapFounder(cmd, cfg)
	if err != nil {
		return err
	}
	logger := newLogger(cmd.ErrOrStderr(), cfg.Log)
	if _, err := startProfilerFlag(cmd, logger); err != nil {
		return err
	}
	for _, name := range config.UnknownEnvironment(os.Environ()) {
		logger.Warn("environment variable sets no configuration key, ignored", "name", name)
	}

	var svc *controlService
	if founder != "" {
		svc, err = startControlIfNew(cmd.Context(), cfg, logger, founder)
	} else {
		svc, err = startControl(cmd.Context(), cfg, logger)
	}
	if err != nil {
		return err
	}
	svc.printSummary(cmd.OutOrStdout())

	<-cmd.Context().Done()
	logger.Info("shutting down")
	stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return svc.stop(stopCtx)
}

// checkControlConfig rejects a configuration a cluster node cannot run
// with, naming what to set, and fills in the node id.
func checkControlConfig(cfg *config.Config) error {
	if cfg.OperatorToken.Reveal() == "" {
		return errors.New("missing operator token: set MAYFLY_OPERATOR_TOKEN in the environment")
	}
	if cfg.ClusterToken.Reveal() == "" {
		return errors.New("missing cluster token: set MAYFLY_CLUSTER_TOKEN in the environment, the same on every node and edge")
	}
	if cfg.DataDir == "" {
		return errors.New("missing data directory: set --data-dir")
	}
	if cfg.Control.Bootstrap && len(cfg.Control.Join) > 0 {
		return errors.New("invalid flags: --bootstrap founds a new cluster and --join joins an existing one; use one of them")
	}
	if cfg.Control.Bootstrap && cfg.Control.NonVoter {
		return errors.New("invalid flags: --non-voter makes a read replica, which cannot found a cluster; bootstrap a voter and join the replica to it")
	}
	if cfg.NodeID == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			return errors.New("missing node id: set --node-id, because the host name is unknown")
		}
		cfg.NodeID = host
	}
	return nil
}

// controlService is everything `mayfly control` runs.
type controlService struct {
	node *controlplane.Node
	dns  *dnsserver.Server
}

// startControl opens the node, bootstraps or joins, and starts DNS. On
// error it stops whatever it started.
func startControl(ctx context.Context, cfg config.Config, logger *slog.Logger) (*controlService, error) {
	rotation, err := rotationConfig(cfg, logger)
	if err != nil {
		return nil, err
	}
	node, err := controlplane.Open(controlplane.Config{
		NodeID:              cfg.NodeID,
		DataDir:             cfg.DataDir,
		RaftListen:          cfg.Control.RaftListen,
		RaftAdvertise:       cfg.Control.RaftAdvertise,
		APIListen:           cfg.Control.APIListen,
		APIAdvertise:        cfg.Control.APIAdvertise,
		Bootstrap:           cfg.Control.Bootstrap,
		RejectExistingState: true,
		OperatorToken:       cfg.OperatorToken.Reveal(),
		ClusterToken:        cfg.ClusterToken.Reveal(),
		Logger:              logger.With("component", "control"),
		HeartbeatTimeout:    cfg.Control.HeartbeatTimeout,
		ElectionTimeout:     cfg.Control.ElectionTimeout,
		EdgeTimeout:         cfg.Control.EdgeTimeout,
		NonVoter:            cfg.Control.NonVoter,
		Autopilot:           autopilotConfig(cfg.Control.Autopilot),
		SnapshotThreshold:   uint64(cfg.Control.Raft.SnapshotThreshold),
		SnapshotInterval:    cfg.Control.Raft.SnapshotInterval,
		TrailingLogs:        uint64(cfg.Control.Raft.TrailingLogs),
		Rotation:            rotation,
	})
	if err != nil {
		return nil, fmt.Errorf("start control plane: %w", err)
	}
	svc := &controlService{node: node}
	if err := svc.joinOrSeed(ctx, cfg); err != nil {
		return nil, errors.Join(err, svc.stop(context.Background()))
	}
	if err := svc.startDNS(cfg, logger); err != nil {
		return nil, errors.Join(err, svc.stop(context.Background()))
	}
	return svc, nil
}

// joinOrSeed joins the cluster through the --join members, or on a node
// that bootstraps, writes the configured DNS settings unless the state
// has them already.
func (s *controlService) joinOrSeed(ctx context.Context, cfg config.Config) error {
	if len(cfg.Control.Join) > 0 {
		return s.node.JoinCluster(ctx, joinURLs(cfg.Control.Join))
	}
	if !cfg.Control.Bootstrap {
		return nil
	}
	if err := s.node.WaitLeader(ctx); err != nil {
		return fmt.Errorf("start control plane: %w", err)
	}
	return seedDNS(ctx, s.node, cfg.Control.DNS)
}

// joinURLs accepts members as URLs or as bare host:port, which means http.
func joinURLs(members []string) []string {
	out := make([]string, 0, len(members))
	for _, m := range members {
		if !strings.Contains(m, "://") {
			m = "http://" + m
		}
		out = append(out, m)
	}
	return out
}

func (s *controlService) startDNS(cfg config.Config, logger *slog.Logger) error {
	srv, err := startDNSServer(cfg, s.node, logger)
	if err != nil {
		return err
	}
	s.dns = srv
	return nil
}

// stop shuts DNS down, then the node.
func (s *controlService) stop(ctx context.Context) error {
	var errs []error
	if s.dns != nil {
		errs = append(errs, s.dns.Shutdown(ctx))
	}
	errs = append(errs, s.node.Close())
	return errors.Join(errs...)
}

func (s *controlService) printSummary(w io.Writer) {
	fmt.Fprintf(w, "Mayfly control-plane node is running.\n\n")
	fmt.Fprintf(w, "  control-plane API        %s\n", s.node.APIURL())
	fmt.Fprintf(w, "  Raft                     %s\n", s.node.RaftAddr())
	fmt.Fprintf(w, "  DNS (UDP and TCP)        %s\n", s.dns.UDPAddr())
}
