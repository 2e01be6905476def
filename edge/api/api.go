// Package api serves the edge's public HTTP API under /api/v1: creating an
// inbox, and reading, extending and deleting it with its token.
//
// Every /api/v1/inbox route needs "Authorization: Bearer <token>"; a
// missing, malformed, unknown or expired token gets the same 401 reply.
// Errors are JSON {"error": "...", "code": "..."}. No cookie is set, no
// client address is logged, and request logs carry the route pattern, never
// the raw path.
//
// The handler of New sets no security headers itself, so that a reply
// forwarded from another edge does not carry them twice: the public
// listener serves it behind SecurityHeaders.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/inbox"
)

// Inboxes is the part of the inbox service the API uses.
type Inboxes interface {
	Create(ctx context.Context, address string, ttl time.Duration) (inbox.Created, error)
	Authenticate(ctx context.Context, token string) (*inbox.Access, error)
}

// Domains lists the domains new addresses may use at this edge.
type Domains interface {
	ActiveDomains() []string
}

// Config holds what the handlers need besides their dependencies.
type Config struct {
	// OwnerCode is this edge's code, carried by the addresses it issues.
	OwnerCode  string
	DefaultTTL time.Duration
	MaxTTL     time.Duration
	Logger     *slog.Logger
	// Ready reports whether the edge can serve requests now, for /readyz.
	Ready func() bool
	// ReadyNote, when set and not empty, is added to a ready reply, to
	// say the edge serves from a stale directory.
	ReadyNote func() string
	// Draining reports whether an operator is draining this edge, which
	// then creates no inboxes. Nil means never.
	Draining func() bool
	// Stop, once closed, ends the event streams and held listings, so
	// that a graceful shutdown need not wait for them. Nil means never.
	Stop <-chan struct{}
	// MaxStreamsPerInbox bounds the open event streams of one inbox; 0
	// means DefaultMaxStreamsPerInbox.
	MaxStreamsPerInbox int
}

// Maximum size of a JSON request body.
const maxBodyBytes = 16 << 10

// API is the HTTP handler of the public API.
type API struct {
	cfg     Config
	inboxes Inboxes
	domains Domains
	streams *streamLimiter
}

// New returns the API's handler.
func New(cfg Config, inboxes Inboxes, domains Domains) http.Handler {
	if cfg.MaxStreamsPerInbox <= 0 {
		cfg.MaxStreamsPerInbox = DefaultMaxStreamsPerInbox
	}
	a := &API{cfg: cfg, inboxes: inboxes, domains: domains, streams: newStreamLimiter(cfg.MaxStreamsPerInbox)}

	r := chi.NewRouter()
	r.Use(requestLog(cfg.Logger))
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such route; GET /api/v1/openapi.json lists the routes")
	})
	// The routes are registered below; the handler reads the table once
	// they are.
	var methods map[string][]string
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allowed := strings.Join(allowedMethods(methods, req.URL.Path), ", ")
		w.Header().Set("Allow", allowed)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed",
			fmt.Sprintf("method %s not allowed on this route; allowed: %s", req.Method, allowed))
	})
	r.Get("/healthz", healthz)
	r.Get("/readyz", readyz(cfg.Ready, cfg.ReadyNote))

	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/openapi.json", serveOpenAPI)
		r.Get("/domains", a.listDomains)
		r.Post("/inboxes", a.createInbox)
		r.Route("/inbox", func(r chi.Router) {
			r.Use(a.authenticate)
			r.Get("/", a.getInbox)
			r.Delete("/", a.deleteInbox)
			r.Post("/extend", a.extendInbox)
			r.Get("/events", a.inboxEvents)
			r.Get("/messages", a.listMessages)
			r.Get("/messages/{id}", a.getMessage)
			r.Delete("/messages/{id}", a.deleteMessage)
			r.Get("/messages/{id}/raw", a.getRaw)
			r.Get("/messages/{id}/attachments/{index}", a.getAttachment)
		})
	})
	methods = routeMethods(r)
	return r
}

// allowedMethods returns the methods of the route pattern that path
// matches. A {param} segment matches any one segment, and a pattern's
// trailing slash is optional, as chi routes them.
func allowedMethods(methods map[string][]string, path string) []string {
	segments := strings.Split(strings.TrimSuffix(path, "/"), "/")
	for pattern, ms := range methods {
		want := strings.Split(strings.TrimSuffix(pattern, "/"), "/")
		if len(want) != len(segments) {
			continue
		}
		match := true
		for i, w := range want {
			if w != segments[i] && !(strings.HasPrefix(w, "{") && segments[i] != "") {
				match = false
				break
			}
		}
		if match {
			return ms
		}
	}
	return nil
}

// routeMethods returns the methods of each route pattern of routes.
func routeMethods(routes chi.Routes) map[string][]string {
	out := make(map[string][]string)
	_ = chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		out[route] = append(out[route], method)
		slices.Sort(out[route])
		return nil
	})
	return out
}

// Health returns a handler of /healthz and /readyz alone, for listeners
// other than the public one. note may be nil.
func Health(ready func() bool, note func() string) http.Handler {
	r := chi.NewRouter()
	r.Get("/healthz", healthz)
	r.Get("/readyz", readyz(ready, note))
	return r
}

// healthz reports that the process is up.
func healthz(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) }

// readyz reports whether the edge can serve requests now. An edge that
// serves from a stale directory is ready, and the body says so: "ready: "
// and the note.
func readyz(ready func() bool, note func() string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if ready != nil && !ready() {
			writeError(w, http.StatusServiceUnavailable, "not_ready", "the edge has no directory from the control plane yet")
			return
		}
		if note != nil {
			if text := note(); text != "" {
				_, _ = w.Write([]byte("ready: " + text + "\n"))
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	}
}

func (a *API) listDomains(w http.ResponseWriter, _ *http.Request) {
	domains := a.domains.ActiveDomains()
	if domains == nil {
		domains = []string{}
	}
	writeJSON(w, http.StatusOK, apitypes.Domains{Domains: domains})
}
