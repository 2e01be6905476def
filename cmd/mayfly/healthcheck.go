package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/config"
)

// Roles a health check can probe.
const (
	roleEdge    = "edge"
	roleControl = "control"
)

func newHealthcheckCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "healthcheck [edge|control]",
		Short: "Exit 0 when this host's node is ready, 1 otherwise",
		Long: `Ask this host's node for GET /readyz and exit 0 on 200, 1 on anything else.
It is meant for container and orchestrator health checks, so it needs no
shell, curl or token.

edge asks the edge's internal listener (edge.internal_listen, over https
when edge.internal_tls_cert is set), control the control-plane API
(control.api_listen). Both addresses come from the same --config file and
MAYFLY_* environment as the node's; a listener bound to 0.0.0.0 or [::] is
asked on loopback. Without a role the edge's listener is asked, and when
nothing listens there, the control plane's. --addr asks host:port instead.`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{roleEdge, roleControl},
		RunE:      runHealthcheck,
	}
	cmd.Flags().String("addr", "", "host:port to ask instead of the configured listener")
	cmd.Flags().Duration("timeout", 3*time.Second, "how long the check may take")
	return cmd
}

func runHealthcheck(cmd *cobra.Command, args []string) error {
	role := ""
	if len(args) == 1 {
		role = args[0]
		if role != roleEdge && role != roleControl {
			return fmt.Errorf("invalid role %q: use edge or control", role)
		}
	}
	timeout, _ := cmd.Flags().GetDuration("timeout")
	addr, _ := cmd.Flags().GetString("addr")
	file, _ := cmd.Flags().GetString("config")
	cfg, err := config.Load(config.Source{File: file})
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	targets, err := healthTargets(cfg, role, addr)
	if err != nil {
		return err
	}
	return probeTargets(ctx, targets, cmd.OutOrStdout())
}

// healthTarget is one /readyz URL and the HTTP client to ask it with.
type healthTarget struct {
	url    string
	client *http.Client
}

// healthTargets lists the URLs to ask in order: one for a role, the
// edge's and then the control plane's without one.
func healthTargets(cfg config.Config, role, addr string) ([]healthTarget, error) {
	var roles []string
	switch role {
	case "":
		roles = []string{roleEdge, roleControl}
	default:
		roles = []string{role}
	}
	var out []healthTarget
	for _, r := range roles {
		t, err := healthTargetOf(cfg, r, addr)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func healthTargetOf(cfg config.Config, role, addr string) (healthTarget, error) {
	listen, scheme, client := cfg.Control.APIListen, "http", &http.Client{}
	if role == roleEdge {
		listen = cfg.Edge.InternalListen
		if cfg.Edge.InternalTLSCert != "" {
			tc, err := internalTLSClient(cfg.Edge)
			if err != nil {
				return healthTarget{}, err
			}
			scheme, client = "https", &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
		}
	}
	if addr != "" {
		listen = addr
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return healthTarget{}, fmt.Errorf("invalid listen address %q: want host:port: %w", listen, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = loopbackFor(ip)
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port), Path: "/readyz"}
	return healthTarget{url: u.String(), client: client}, nil
}

// loopbackFor returns the loopback address of an unspecified address's
// family: a node bound to [::] may not accept on 127.0.0.1.
func loopbackFor(ip net.IP) string {
	if ip != nil && ip.To4() == nil {
		return "::1"
	}
	return "127.0.0.1"
}

// internalTLSClient trusts edge.internal_tls_ca and expects the name of
// edge.internal_url, because the certificate names the edge, not
// loopback.
func internalTLSClient(cfg config.Edge) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS13}
	if cfg.InternalTLSCA != "" {
		pem, err := os.ReadFile(cfg.InternalTLSCA)
		if err != nil {
			return nil, fmt.Errorf("read edge.internal_tls_ca: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read edge.internal_tls_ca %s: no PEM certificate in it", cfg.InternalTLSCA)
		}
	}
	if u, err := url.Parse(cfg.InternalURL); err == nil && u.Hostname() != "" {
		tc.ServerName = u.Hostname()
	}
	return tc, nil
}

// errNotListening marks a target that refused the connection, so that
// the next role is asked.
var errNotListening = errors.New("nothing listens there")

// probeTargets asks each target until one accepts the connection, and
// reports that one's answer.
func probeTargets(ctx context.Context, targets []healthTarget, out io.Writer) error {
	var errs []error
	for _, t := range targets {
		err := probe(ctx, t)
		if errors.Is(err, errNotListening) {
			errs = append(errs, err)
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "ready: %s\n", t.url)
		return nil
	}
	return fmt.Errorf("not ready: %w", errors.Join(errs...))
}

func probe(ctx context.Context, t healthTarget) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url, nil)
	if err != nil {
		return fmt.Errorf("health check %s: %w", t.url, err)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		if isConnRefused(err) {
			return fmt.Errorf("health check %s: %w", t.url, errNotListening)
		}
		return fmt.Errorf("health check %s: %w", t.url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s replied %s: %s", t.url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

func isConnRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
