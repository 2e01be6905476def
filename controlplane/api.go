package controlplane

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// Handler returns the HTTP API of the node.
func (n *Node) Handler() http.Handler {
	return n.server.Handler
}

// Serve serves the API on ln until Shutdown or Close. It returns nil after
// Shutdown and the listener's error otherwise. Serve may be called for
// several listeners.
func (n *Node) Serve(ln net.Listener) error {
	err := n.server.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("serve control-plane API: %w", err)
	}
	return nil
}

// Shutdown stops the API: it ends waiting directory queries with the
// current directory, closes the listeners and waits for requests in
// flight until ctx ends. Raft keeps running until Close.
func (n *Node) Shutdown(ctx context.Context) error {
	n.stopOnce.Do(func() { close(n.stopping) })
	if err := n.server.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down control-plane API: %w", err)
	}
	return nil
}

func (n *Node) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(n.withRequestID, n.logRequests, n.recoverPanics)
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such route")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed on this route")
	})

	r.Get("/healthz", n.healthz)
	r.Get("/readyz", n.readyz)
	r.Method(http.MethodGet, "/metrics", n.metricsHandler())
	r.Route("/v1", func(r chi.Router) {
		r.Group(func(r chi.Router) {
			r.Use(requireBearer(n.cfg.OperatorToken))
			r.With(n.consistentReads).Get("/domains", n.listDomains)
			r.With(n.consistentReads).Get("/domains/{name}", n.showDomain)
			r.Get("/edges", n.listEdges)
			r.Get("/cluster/status", n.clusterStatus)
			r.Get("/cluster/peers", n.clusterPeers)
			n.rotationRoutes(r)
			r.With(n.consistentReads).Get("/dns/ds/{zone}", n.showDS)
			r.Group(func(r chi.Router) {
				r.Use(n.leaderOnly)
				r.Post("/dns/dnssec", n.enableDNSSEC)
				r.Post("/domains", n.addDomains)
				r.Post("/domains/{name}/retire", n.retireDomain)
				r.Post("/edges/{id}/drain", n.drainEdge)
				r.Post("/cluster/remove", n.removePeer)
				r.Post("/cluster/transfer-leadership", n.transferLeadership)
				r.Get("/cluster/snapshot", n.saveSnapshot)
				r.Post("/cluster/restore", n.restoreSnapshot)
			})
		})
		r.Group(func(r chi.Router) {
			r.Use(requireBearer(n.cfg.ClusterToken))
			r.Get("/directory", n.directory)
			r.Get("/cluster/local", n.localStatus)
			r.Group(func(r chi.Router) {
				r.Use(n.leaderOnly)
				r.Post("/edges/register", n.registerEdge)
				r.Post("/edges/{id}/heartbeat", n.heartbeatEdge)
				r.Post("/cluster/members", n.setMember)
			})
		})
		// Joining nodes send the cluster token and operators the operator
		// token.
		r.With(requireBearer(n.cfg.OperatorToken, n.cfg.ClusterToken), n.leaderOnly).Post("/cluster/join", n.joinCluster)
	})
	return r
}

func (n *Node) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz reports ready while the cluster has a leader, because without one
// the node can serve reads but no writes.
func (n *Node) readyz(w http.ResponseWriter, _ *http.Request) {
	if addr, _ := n.raft.LeaderWithID(); addr == "" {
		writeError(w, http.StatusServiceUnavailable, "no_leader", "this node has no current leader: it cannot reach a quorum of voters, or an election is under way")
		return
	}
	n.healthz(w, nil)
}
