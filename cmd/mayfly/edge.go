package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/edge"
)

// edgeFlags maps the edge command's flags to configuration keys.
var edgeFlags = map[string]string{
	"node-id":         "node_id",
	"data-dir":        "data_dir",
	"region":          "edge.region",
	"smtp-listen":     "edge.smtp_listen",
	"http-listen":     "edge.http_listen",
	"internal-listen": "edge.internal_listen",
	"internal-url":    "edge.internal_url",
	"control-plane":   "edge.control_plane",
	"mx-host":         "edge.mx_host",
	"public-addr":     "edge.public_addr",
}

// defaultEdgeShutdownTimeout leaves SMTP transactions in flight time to
// finish, and stays under the 30 seconds that Docker's stop_grace_period,
// Kubernetes' terminationGracePeriodSeconds and systemd's TimeoutStopSec
// are set to in deploy/.
const defaultEdgeShutdownTimeout = 25 * time.Second

func newEdgeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "edge",
		Short: "Run an edge node: SMTP intake, the public API and the internal API",
		Long: `Run one edge node. It registers with the control plane under its node id,
sends heartbeats, follows its region's directory and serves SMTP, the public
API and the internal API (owner forwarding, health, metrics).

Restart an edge with the same node id and data directory: it gets its owner
code back and keeps serving the inboxes it owns. MAYFLY_CLUSTER_TOKEN, the
same on every node, must be set in the environment.`,
		Args: cobra.NoArgs,
		RunE: runEdge,
	}
	flags := cmd.Flags()
	addProfilerFlag(flags)
	addCommonFlags(flags)
	flags.String("region", "", "region this edge serves (default local)")
	flags.String("smtp-listen", "", "SMTP address to bind (default 127.0.0.1:2525)")
	flags.String("http-listen", "", "public API address to bind (default 127.0.0.1:8080)")
	flags.String("internal-listen", "", "internal API address to bind: owner forwarding, health, metrics (default 127.0.0.1:8081)")
	flags.String("internal-url", "", "URL other edges reach the internal API at (default: the internal listener's address)")
	flags.StringSlice("control-plane", nil, "control-plane API URL; repeat or separate with commas (default http://127.0.0.1:9400)")
	flags.String("mx-host", "", "host name of this edge in MX records and the SMTP banner (default mx1.mayfly-ops.test)")
	flags.StringSlice("public-addr", nil, "address the MX host name resolves to; repeat or separate with commas")
	flags.Duration("shutdown-timeout", defaultEdgeShutdownTimeout, "how long SMTP transactions and API requests in flight may take to finish on shutdown")
	return cmd
}

func runEdge(cmd *cobra.Command, _ []string) error {
	cfg, err := loadConfig(cmd, edgeFlags)
	if err != nil {
		return err
	}
	if err := checkEdgeConfig(&cfg); err != nil {
		return err
	}
	stopTimeout, _ := cmd.Flags().GetDuration("shutdown-timeout")
	if stopTimeout <= 0 {
		return fmt.Errorf("invalid --shutdown-timeout %s: it must be positive, such as 25s", stopTimeout)
	}
	logger := newLogger(cmd.ErrOrStderr(), cfg.Log)
	if _, err := startProfilerFlag(cmd, logger); err != nil {
		return err
	}
	for _, name := range config.UnknownEnvironment(os.Environ()) {
		logger.Warn("environment variable sets no configuration key, ignored", "name", name)
	}

	node, err := edge.Start(cmd.Context(), cfg.Edge, edge.Options{
		NodeID:       cfg.NodeID,
		DataDir:      cfg.DataDir,
		ClusterToken: cfg.ClusterToken.Reveal(),
		Logger:       logger.With("component", "edge"),
	})
	if err != nil {
		return fmt.Errorf("start edge: %w", err)
	}
	printEdgeSummary(cmd.OutOrStdout(), cfg, node)

	<-cmd.Context().Done()
	logger.Info("shutting down", "timeout", stopTimeout)
	stopCtx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	return node.Shutdown(stopCtx)
}

// checkEdgeConfig rejects a configuration an edge cannot run with, naming
// what to set, and fills in the node id.
func checkEdgeConfig(cfg *config.Config) error {
	if cfg.ClusterToken.Reveal() == "" {
		return errors.New("missing cluster token: set MAYFLY_CLUSTER_TOKEN in the environment, the same on every node and edge")
	}
	if cfg.DataDir == "" {
		return errors.New("missing data directory: set --data-dir")
	}
	if len(cfg.Edge.ControlPlane) == 0 {
		return errors.New("missing control plane: set --control-plane to the API URL of one or more control-plane nodes")
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

func printEdgeSummary(w io.Writer, cfg config.Config, node *edge.Node) {
	fmt.Fprintf(w, "Mayfly edge %s is running in region %s.\n\n", cfg.NodeID, cfg.Edge.Region)
	fmt.Fprintf(w, "  public API               %s://%s\n", node.HTTPScheme(), node.HTTPAddr())
	fmt.Fprintf(w, "  SMTP                     %s\n", node.SMTPAddr())
	fmt.Fprintf(w, "  internal API             %s\n", node.InternalURL())
	fmt.Fprintf(w, "  control plane            %s\n", strings.Join(cfg.Edge.ControlPlane, ", "))
	fmt.Fprintf(w, "  data directory           %s\n", cfg.DataDir)
}
