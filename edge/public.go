package edge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/mayfly-mail/mayfly/edge/api"
	"github.com/mayfly-mail/mayfly/edge/ratelimit"
	"github.com/mayfly-mail/mayfly/edge/tlsconf"
	"github.com/mayfly-mail/mayfly/edge/web"
)

// preparePublicTLS builds the public listener's TLS configuration from
// edge.http_tls_cert and edge.http_tls_key, or from edge.acme_domains.
// Without either the listener serves plain HTTP.
func (n *Node) preparePublicTLS() error {
	switch {
	case n.cfg.HTTPTLSCert != "":
		tc, err := tlsconf.FromFiles(n.cfg.HTTPTLSCert, n.cfg.HTTPTLSKey, n.logger.With("subsystem", "https"))
		if err != nil {
			return fmt.Errorf("load edge.http_tls_cert and edge.http_tls_key: %w", err)
		}
		n.publicTLS = tc
	case len(n.cfg.ACMEDomains) > 0:
		acme, err := tlsconf.NewACME(tlsconf.ACMEConfig{
			Domains:    n.cfg.ACMEDomains,
			Email:      n.cfg.ACMEEmail,
			CA:         n.cfg.ACMECA,
			CARoot:     n.cfg.ACMECARoot,
			StorageDir: filepath.Join(n.opts.DataDir, "acme"),
			ListenAddr: n.httpLn.Addr().String(),
			Logger:     n.logger.With("subsystem", "acme"),
		})
		if err != nil {
			return fmt.Errorf("prepare acme: %w", err)
		}
		n.acme = acme
		n.publicTLS = acme.TLSConfig()
	}
	return nil
}

// publicHandler puts the security headers, the metrics and the rate
// limits in front of the web page and the API. The headers come first, so
// that every reply has them, 429 included.
func (n *Node) publicHandler(next http.Handler) http.Handler {
	limits := ratelimit.Policy{
		Create:    ratelimit.New(ratelimit.Limit{Rate: n.cfg.RateCreate, Burst: n.cfg.RateCreateBurst}, 0, 0),
		API:       ratelimit.New(ratelimit.Limit{Rate: n.cfg.RateAPI, Burst: n.cfg.RateAPIBurst}, 0, 0),
		OnLimited: n.metrics.RateLimited,
	}
	return api.SecurityHeaders(n.metrics.Middleware(limits.Wrap(withPage(n.page, next))))
}

// withPage sends the web page and its assets to page and every other
// request to next.
func withPage(page *web.Handler, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if web.Serves(r.URL.Path) {
			page.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// internalHandler adds GET /metrics to the internal API. Like /healthz it
// needs no token: the internal listener is reachable from the operators'
// network only, and the metrics are counts and durations.
func (n *Node) internalHandler(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", n.metrics.Handler())
	mux.Handle("/", next)
	return mux
}

// servePublic serves the public API over TLS when a certificate source is
// set, and then starts ACME, whose challenges the listener solves.
func (n *Node) servePublic(ctx context.Context) {
	if n.publicTLS == nil {
		n.goServeHTTP("http", n.http, n.httpLn)
		return
	}
	n.http.TLSConfig = n.publicTLS
	n.goRun(func() {
		n.logger.Info("https server listening", "addr", n.httpLn.Addr().String())
		if err := n.http.ServeTLS(n.httpLn, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.logger.Error("https server stopped", "error", err)
		}
	})
	if n.acme != nil {
		if err := n.acme.Start(ctx); err != nil {
			n.logger.Error("start acme certificate management", "error", err)
		}
	}
}

// HTTPScheme returns the public listener's URL scheme: https when it
// serves TLS, http otherwise.
func (n *Node) HTTPScheme() string {
	if n.publicTLS != nil {
		return "https"
	}
	return "http"
}
