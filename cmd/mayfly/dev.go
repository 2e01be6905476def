package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
	"github.com/mayfly-mail/mayfly/dnsserver"
	"github.com/mayfly-mail/mayfly/edge"
)

// devFlags maps the dev command's flags to configuration keys.
var devFlags = map[string]string{
	"node-id":     "node_id",
	"data-dir":    "data_dir",
	"http-listen": "edge.http_listen",
	"smtp-listen": "edge.smtp_listen",
	"dns-listen":  "control.dns_listen",
	"api-listen":  "control.api_listen",
	"raft-listen": "control.raft_listen",
	// The edge's internal listener: metrics and the edge-to-edge API.
	"internal-listen": "edge.internal_listen",
}

// startTimeout bounds how long the dev service may take to come up.
const startTimeout = time.Minute

func newDevCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the whole service in one process on loopback",
		Long: `Run a single-voter control plane, its DNS server and one edge in one
process, on the loopback ports of the dev defaults, with the pool domains
mayfly.test and mayfly-mail.test in region local. The data directory is a
fresh temporary one, removed on exit, unless --data-dir names one.`,
		Args: cobra.NoArgs,
		RunE: runDev,
	}
	flags := cmd.Flags()
	addProfilerFlag(flags)
	addCommonFlags(flags)
	flags.String("http-listen", "", "public API address (default 127.0.0.1:8080)")
	flags.String("smtp-listen", "", "SMTP address (default 127.0.0.1:2525)")
	flags.String("dns-listen", "", "DNS address, UDP and TCP (default 127.0.0.1:1053)")
	flags.String("api-listen", "", "control-plane API address (default 127.0.0.1:9400)")
	flags.String("raft-listen", "", "Raft address (default 127.0.0.1:9300)")
	flags.String("internal-listen", "", "edge internal address: metrics and edge-to-edge API (default 127.0.0.1:8081)")
	return cmd
}

func runDev(cmd *cobra.Command, _ []string) error {
	cfg, err := loadConfig(cmd, devFlags)
	if err != nil {
		return err
	}
	logger := newLogger(cmd.ErrOrStderr(), cfg.Log)
	profiler, err := startProfilerFlag(cmd, logger)
	if err != nil {
		return err
	}
	for _, name := range config.UnknownEnvironment(os.Environ()) {
		logger.Warn("environment variable sets no configuration key, ignored", "name", name)
	}

	startCtx, cancel := context.WithTimeout(cmd.Context(), startTimeout)
	svc, err := startDev(startCtx, cfg, logger)
	cancel()
	if err != nil {
		return err
	}
	svc.profiler = profiler
	svc.printSummary(cmd.OutOrStdout())

	<-cmd.Context().Done()
	logger.Info("shutting down")
	stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return svc.stop(stopCtx)
}

// devService is everything `mayfly dev` runs.
type devService struct {
	cfg           config.Config
	dataDir       string
	temporaryDir  bool
	operatorToken string
	generated     bool

	profiler net.Addr // nil unless --pprof-listen is set

	control *controlplane.Node
	dns     *dnsserver.Server
	edge    *edge.Node
	logger  *slog.Logger

	stopOnce sync.Once
	stopErr  error
}

// startDev starts the control plane, seeds it, then starts DNS and the edge.
// On error it stops whatever it started.
func startDev(ctx context.Context, cfg config.Config, logger *slog.Logger) (*devService, error) {
	svc := &devService{cfg: cfg, logger: logger}
	steps := []func() error{
		svc.prepareDataDir,
		svc.prepareSecrets,
		func() error { return svc.startControl(ctx) },
		func() error { return svc.seed(ctx) },
		svc.startDNS,
		func() error { return svc.startEdge(ctx) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, errors.Join(err, svc.stop(context.Background()))
		}
	}
	return svc, nil
}

func (s *devService) prepareSecrets() error {
	if err := s.prepareOperatorToken(); err != nil {
		return err
	}
	if s.cfg.ClusterToken == "" {
		// Edge and control plane share this process, so a fresh token per
		// run is enough.
		s.cfg.ClusterToken = config.Secret(rand.Text())
	}
	if s.cfg.NodeID == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "dev"
		}
		s.cfg.NodeID = host
	}
	return nil
}

// operatorTokenFile keeps a generated operator token in a kept data
// directory, so that the exported MAYFLY_TOKEN still works after a restart.
const operatorTokenFile = "operator.token"

func (s *devService) prepareOperatorToken() error {
	s.operatorToken = s.cfg.OperatorToken.Reveal()
	if s.operatorToken != "" {
		return nil
	}
	s.generated = true
	if s.temporaryDir {
		s.operatorToken = rand.Text()
		return nil
	}

	path := filepath.Join(s.dataDir, operatorTokenFile)
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		s.operatorToken = strings.TrimSpace(string(b))
		return nil
	}
	s.operatorToken = rand.Text()
	if err := os.WriteFile(path, []byte(s.operatorToken+"\n"), 0o600); err != nil {
		return fmt.Errorf("keep the operator token: %w", err)
	}
	return nil
}

func (s *devService) prepareDataDir() error {
	if s.cfg.DataDir != "" {
		s.dataDir = s.cfg.DataDir
		if err := os.MkdirAll(s.dataDir, 0o700); err != nil {
			return fmt.Errorf("create data directory: %w", err)
		}
		return nil
	}
	dir, err := os.MkdirTemp("", "mayfly-dev-")
	if err != nil {
		return fmt.Errorf("create temporary data directory: %w", err)
	}
	s.dataDir, s.temporaryDir = dir, true
	return nil
}

func (s *devService) startControl(ctx context.Context) error {
	rotation, err := rotationConfig(s.cfg, s.logger)
	if err != nil {
		return err
	}
	node, err := controlplane.Open(controlplane.Config{
		NodeID:           s.cfg.NodeID,
		DataDir:          filepath.Join(s.dataDir, "control"),
		RaftListen:       s.cfg.Control.RaftListen,
		RaftAdvertise:    s.cfg.Control.RaftAdvertise,
		APIListen:        s.cfg.Control.APIListen,
		Bootstrap:        true,
		OperatorToken:    s.operatorToken,
		ClusterToken:     s.cfg.ClusterToken.Reveal(),
		Logger:           s.logger.With("component", "control"),
		HeartbeatTimeout: s.cfg.Control.HeartbeatTimeout,
		ElectionTimeout:  s.cfg.Control.ElectionTimeout,
		EdgeTimeout:      s.cfg.Control.EdgeTimeout,
		Rotation:         rotation,
	})
	if err != nil {
		return fmt.Errorf("start control plane: %w", err)
	}
	s.control = node
	if err := node.WaitLeader(ctx); err != nil {
		return fmt.Errorf("start control plane: %w", err)
	}
	return nil
}

// seed writes the DNS settings and the dev domains unless the state has
// them already, so that a restart on the same data directory changes
// nothing and bumps no serial.
func (s *devService) seed(ctx context.Context) error {
	if err := seedDNS(ctx, s.control, s.cfg.Control.DNS); err != nil {
		return err
	}

	var missing []string
	for _, name := range s.cfg.Dev.Domains {
		if _, ok := s.control.State().Domain(name); !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err := s.control.AddDomains(ctx, wire.AddDomainsRequest{Names: missing, Region: s.cfg.Edge.Region})
	if err != nil {
		return fmt.Errorf("seed pool domains: %w", err)
	}
	return nil
}

// dnsSettings converts the configuration into replicated DNS settings.
func dnsSettings(c config.DNS) state.DNSSettings {
	out := state.DNSSettings{
		OpsZone:     state.CanonicalName(c.OpsZone),
		Hostmaster:  c.Hostmaster,
		TTL:         uint32(c.TTL / time.Second),
		NegativeTTL: uint32(c.NegativeTTL / time.Second),
		Refresh:     3600,
		Retry:       600,
		Expire:      1209600,
	}
	for _, ns := range c.NameServers {
		out.NameServers = append(out.NameServers, state.NameServer{Host: state.CanonicalName(ns.Host), Addrs: ns.Addrs})
	}
	return out
}

func (s *devService) startDNS() error {
	srv, err := startDNSServer(s.cfg, s.control, s.logger)
	if err != nil {
		return err
	}
	s.dns = srv
	return nil
}

func (s *devService) startEdge(ctx context.Context) error {
	edgeCfg := s.cfg.Edge
	edgeCfg.ControlPlane = []string{"http://" + s.control.APIAddr().String()}
	node, err := edge.Start(ctx, edgeCfg, edge.Options{
		NodeID:       s.cfg.NodeID,
		DataDir:      s.dataDir,
		ClusterToken: s.cfg.ClusterToken.Reveal(),
		Logger:       s.logger.With("component", "edge"),
	})
	if err != nil {
		return fmt.Errorf("start edge: %w", err)
	}
	s.edge = node
	return nil
}

// stop shuts the parts down in reverse order of start and removes a
// temporary data directory. Calls after the first return its result.
func (s *devService) stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.stopParts(ctx) })
	return s.stopErr
}

func (s *devService) stopParts(ctx context.Context) error {
	var errs []error
	if s.edge != nil {
		errs = append(errs, s.edge.Shutdown(ctx))
	}
	if s.dns != nil {
		errs = append(errs, s.dns.Shutdown(ctx))
	}
	if s.control != nil {
		errs = append(errs, s.control.Close())
	}
	if s.temporaryDir {
		errs = append(errs, os.RemoveAll(s.dataDir))
	}
	return errors.Join(errs...)
}

func (s *devService) printSummary(w io.Writer) {
	dataNote := "kept"
	if s.temporaryDir {
		dataNote = "removed on exit"
	}
	fmt.Fprintf(w, "Mayfly dev is running.\n\n")
	fmt.Fprintf(w, "  public API               %s://%s\n", s.edge.HTTPScheme(), s.edge.HTTPAddr())
	fmt.Fprintf(w, "  SMTP                     %s\n", s.edge.SMTPAddr())
	fmt.Fprintf(w, "  edge internal API        %s\n", s.edge.InternalURL())
	fmt.Fprintf(w, "  DNS (UDP and TCP)        %s\n", s.dns.UDPAddr())
	fmt.Fprintf(w, "  control-plane API        http://%s\n", s.control.APIAddr())
	fmt.Fprintf(w, "  Raft                     %s\n", s.control.RaftAddr())
	if s.profiler != nil {
		fmt.Fprintf(w, "  profiler                 http://%s/debug/pprof/\n", s.profiler)
	}
	fmt.Fprintf(w, "  data directory           %s (%s)\n", s.dataDir, dataNote)
	fmt.Fprintf(w, "  pool domains             %s (region %s)\n\n", strings.Join(s.cfg.Dev.Domains, ", "), s.cfg.Edge.Region)
	switch {
	case s.generated && s.temporaryDir:
		fmt.Fprintf(w, "Operator token, generated for this run:\n")
	case s.generated:
		fmt.Fprintf(w, "Operator token, kept in %s:\n", filepath.Join(s.dataDir, operatorTokenFile))
	default:
		fmt.Fprintf(w, "Operator token from MAYFLY_OPERATOR_TOKEN:\n")
	}
	fmt.Fprintf(w, "  export MAYFLY_TOKEN=%s\n\nPress Ctrl-C to stop.\n", s.operatorToken)
}
