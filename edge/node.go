package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
	"github.com/mayfly-mail/mayfly/edge/api"
	"github.com/mayfly-mail/mayfly/edge/directory"
	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/metrics"
	"github.com/mayfly-mail/mayfly/edge/smtpd"
	"github.com/mayfly-mail/mayfly/edge/tlsconf"
	"github.com/mayfly-mail/mayfly/edge/web"
)

// Options are the settings of a node that come from outside its configuration section.
type Options struct {
	NodeID       string
	DataDir      string
	ClusterToken string
	Logger       *slog.Logger
}

// Node is a running edge. Start it once; Shutdown stops it.
type Node struct {
	cfg    config.Edge
	opts   Options
	logger *slog.Logger
	cp     *client.Client
	dir    *directory.Watcher

	inboxes *inbox.Service
	backend *dispatcher
	owners  *ownerClient
	smtp    *smtpd.Server
	http    *http.Server
	metrics *metrics.Metrics

	// publicTLS is the public listener's TLS configuration, nil for plain
	// HTTP; acme manages its certificates when edge.acme_domains is set.
	publicTLS *tls.Config
	acme      *tlsconf.ACME
	// page serves the web page at / on the public listener.
	page *web.Handler

	internal    *http.Server
	internalTLS internalTLS
	// internalURL is the internal listener's URL for other edges, as
	// registered with the control plane.
	internalURL string

	smtpLn     net.Listener
	httpLn     net.Listener
	internalLn net.Listener

	cancel context.CancelFunc
	// stop is closed when Shutdown starts, to end event streams and
	// listings held open for mail.
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// registerRetry bounds the wait between attempts to reach the control plane.
const registerRetry = 2 * time.Second

// Start opens the edge's listeners, registers it with their addresses,
// opens its store and starts serving. It retries the registration until it
// succeeds or ctx is done.
func Start(ctx context.Context, cfg config.Edge, opts Options) (*Node, error) {
	if opts.ClusterToken == "" {
		return nil, errors.New("start edge: the cluster token is missing")
	}
	n := &Node{cfg: cfg, opts: opts, logger: opts.Logger, metrics: metrics.New(), stop: make(chan struct{})}
	cp, err := client.New(cfg.ControlPlane, opts.ClusterToken)
	if err != nil {
		return nil, fmt.Errorf("control-plane client: %w", err)
	}
	n.cp = cp
	if n.internalTLS, err = loadInternalTLS(cfg); err != nil {
		return nil, fmt.Errorf("start edge: %w", err)
	}

	// The listeners come first, so that the registration carries the
	// internal URL of a port the system chose.
	if err := n.listen(); err != nil {
		return nil, err
	}
	n.internalURL = n.advertisedInternalURL()
	if err := n.preparePublicTLS(); err != nil {
		return nil, errors.Join(fmt.Errorf("start edge: %w", err), n.closeListeners())
	}
	if n.page, err = web.New(); err != nil {
		return nil, errors.Join(fmt.Errorf("start edge: %w", err), n.closeListeners())
	}
	code, err := n.register(ctx)
	if err != nil {
		return nil, errors.Join(err, n.closeListeners())
	}
	n.inboxes, err = inbox.Open(inbox.Config{
		DataDir:       filepath.Join(opts.DataDir, "edge"),
		OwnerCode:     code,
		DefaultTTL:    cfg.DefaultTTL,
		MaxTTL:        cfg.MaxTTL,
		SweepInterval: cfg.SweepInterval,
		EpochWindow:   cfg.EpochWindow,
		Logger:        n.logger.With("subsystem", "inbox"),
		OnSweep:       n.metrics.Sweep,
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open inbox store: %w", err), n.closeListeners())
	}

	runCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.dir = directory.New(n.cp, cfg.Region, n.logger.With("subsystem", "directory"))
	n.serve(runCtx, code)
	n.watchMetrics()
	if err := n.dir.WaitReady(ctx); err != nil {
		return nil, errors.Join(err, n.Shutdown(context.Background()))
	}
	return n, nil
}

// register announces the edge and returns its owner code.
func (n *Node) register(ctx context.Context) (string, error) {
	reg := wire.EdgeRegistration{
		ID:          n.opts.NodeID,
		Region:      n.cfg.Region,
		MXHost:      n.cfg.MXHost,
		Addrs:       n.cfg.PublicAddr,
		InternalURL: n.internalURL,
	}
	for {
		got, err := n.cp.Register(ctx, reg)
		if err == nil {
			n.logger.Info("registered with the control plane", "edge_id", reg.ID, "region", reg.Region, "owner_code", got.OwnerCode)
			return got.OwnerCode, nil
		}
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.Status < 500 {
			return "", fmt.Errorf("register edge %s: %w", reg.ID, err)
		}
		n.logger.Warn("register with the control plane failed, retrying", "retry_in", registerRetry, "error", err)
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("register edge %s: %w", reg.ID, errors.Join(err, ctx.Err()))
		case <-time.After(registerRetry):
		}
	}
}

func (n *Node) listen() error {
	var err error
	if n.smtpLn, err = net.Listen("tcp", n.cfg.SMTPListen); err != nil {
		return fmt.Errorf("listen for smtp on %s: %w", n.cfg.SMTPListen, err)
	}
	if n.httpLn, err = net.Listen("tcp", n.cfg.HTTPListen); err != nil {
		_ = n.smtpLn.Close()
		return fmt.Errorf("listen for http on %s: %w", n.cfg.HTTPListen, err)
	}
	if n.internalLn, err = net.Listen("tcp", n.cfg.InternalListen); err != nil {
		_ = n.smtpLn.Close()
		_ = n.httpLn.Close()
		return fmt.Errorf("listen for internal http on %s: %w", n.cfg.InternalListen, err)
	}
	return nil
}

// closeListeners closes the listeners of a node that failed to start.
func (n *Node) closeListeners() error {
	return errors.Join(n.smtpLn.Close(), n.httpLn.Close(), n.internalLn.Close())
}

// advertisedInternalURL returns edge.internal_url, or else the internal
// listener's own address with the scheme that its TLS setting implies.
func (n *Node) advertisedInternalURL() string {
	if n.cfg.InternalURL != "" {
		return n.cfg.InternalURL
	}
	scheme := "http"
	if n.internalTLS.server != nil {
		scheme = "https"
	}
	addr := n.internalLn.Addr().(*net.TCPAddr)
	if addr.IP.IsUnspecified() {
		n.logger.Warn("the internal listener has an unspecified address, so other edges cannot reach it; set edge.internal_url", "addr", addr.String())
	}
	return (&url.URL{Scheme: scheme, Host: addr.String()}).String()
}

// serve starts the background loops and the three servers.
func (n *Node) serve(ctx context.Context, code string) {
	n.owners = newOwnerClient(n.internalTLS.client, n.opts.ClusterToken)
	n.backend = &dispatcher{ownCode: code, local: n.inboxes, dir: n.dir, owners: n.owners}
	n.smtp = smtpd.New(smtpd.Config{
		Hostname:                n.cfg.MXHost,
		MaxMessageSize:          int64(n.cfg.MaxMessageSize),
		MaxRecipients:           n.cfg.MaxRecipients,
		MaxLineLength:           int(n.cfg.SMTPMaxLineLength),
		MaxConnections:          n.cfg.SMTPMaxConnections,
		MaxConnectionsPerClient: n.cfg.SMTPMaxConnectionsPerClient,
		MaxErrors:               n.cfg.SMTPMaxErrors,
		CommandTimeout:          n.cfg.SMTPCommandTimeout,
		DataTimeout:             n.cfg.SMTPDataTimeout,
		TLSCertFile:             n.cfg.SMTPTLSCert,
		TLSKeyFile:              n.cfg.SMTPTLSKey,
		Logger:                  n.logger.With("subsystem", "smtp"),
	}, countingBackend{Backend: n.backend, metrics: n.metrics})
	handler := api.New(api.Config{
		OwnerCode:  code,
		DefaultTTL: n.cfg.DefaultTTL,
		MaxTTL:     n.cfg.MaxTTL,
		Logger:     n.logger.With("subsystem", "api"),
		Ready:      n.dir.Ready,
		ReadyNote:  n.dir.StaleNote,
		Draining:   n.draining,
		Stop:       n.stop,
	}, n.inboxes, n.dir)
	n.http = &http.Server{
		Handler:           n.publicHandler(newForwarder(code, handler, n.dir, n.owners, n.stop, n.logger.With("subsystem", "forward"))),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          redactingLogger(n.logger.With("subsystem", "http")),
	}
	internal := &internalAPI{
		clusterToken:   []byte(n.opts.ClusterToken),
		inboxes:        n.inboxes,
		public:         handler,
		maxMessageSize: int64(n.cfg.MaxMessageSize),
		logger:         n.logger.With("subsystem", "internal"),
	}
	n.internal = &http.Server{
		Handler:           n.internalHandler(internal.handler(n.dir.Ready, n.dir.StaleNote)),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          redactingLogger(n.logger.With("subsystem", "internal")),
	}
	internalLn := n.internalLn
	if n.internalTLS.server != nil {
		internalLn = tls.NewListener(internalLn, n.internalTLS.server)
	}

	n.goRun(func() { n.dir.Run(ctx) })
	n.goRun(func() { n.inboxes.Run(ctx) })
	n.goRun(func() { n.heartbeat(ctx) })
	n.goRun(func() {
		if err := n.smtp.Serve(n.metrics.CountSessions(n.smtpLn)); err != nil {
			n.logger.Error("smtp server stopped", "error", err)
		}
	})
	n.servePublic(ctx)
	n.goServeHTTP("internal http", n.internal, internalLn)
}

func (n *Node) goServeHTTP(name string, srv *http.Server, ln net.Listener) {
	n.goRun(func() {
		n.logger.Info(name+" server listening", "addr", ln.Addr().String())
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.logger.Error(name+" server stopped", "error", err)
		}
	})
}

func (n *Node) goRun(f func()) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		f()
	}()
}

// draining reports whether this edge's entry in its directory copy is
// marked draining. Before the first directory arrives it reports false.
func (n *Node) draining() bool {
	e, ok := n.dir.EdgeByID(n.opts.NodeID)
	return ok && e.Draining
}

// heartbeat sends a heartbeat to the control plane every interval until ctx is done.
func (n *Node) heartbeat(ctx context.Context) {
	ticker := time.NewTicker(n.cfg.HeartbeatInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			hbCtx, cancel := context.WithTimeout(ctx, n.cfg.HeartbeatInterval)
			if err := n.cp.Heartbeat(hbCtx, n.opts.NodeID); err != nil && ctx.Err() == nil {
				n.logger.Warn("heartbeat failed", "error", err)
			}
			cancel()
		}
	}
}

// Inboxes returns the node's inbox service.
func (n *Node) Inboxes() *inbox.Service { return n.inboxes }

// SMTPAddr and HTTPAddr return the listening addresses.
func (n *Node) SMTPAddr() net.Addr { return n.smtpLn.Addr() }

// HTTPAddr returns the address of the public API listener.
func (n *Node) HTTPAddr() net.Addr { return n.httpLn.Addr() }

// InternalAddr returns the address of the internal listener.
func (n *Node) InternalAddr() net.Addr { return n.internalLn.Addr() }

// InternalURL returns the URL that other edges use to reach the internal
// listener, as registered with the control plane.
func (n *Node) InternalURL() string { return n.internalURL }

// Shutdown stops new work first (listeners close, SMTP sessions end), then
// waits for the loops to finish and closes the store. It is idempotent.
func (n *Node) Shutdown(ctx context.Context) error {
	var err error
	n.once.Do(func() {
		close(n.stop)
		if n.http != nil {
			err = errors.Join(err, n.http.Shutdown(ctx), n.internal.Shutdown(ctx))
		}
		if n.smtp != nil {
			err = errors.Join(err, n.smtp.Shutdown(ctx))
		}
		if n.acme != nil {
			n.acme.Stop()
		}
		if n.cancel != nil {
			n.cancel()
		}
		n.wg.Wait()
		if n.owners != nil {
			n.owners.close()
		}
		err = errors.Join(err, n.inboxes.Close())
	})
	return err
}
