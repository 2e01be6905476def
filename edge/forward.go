package edge

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/edge/httpstatus"
	"github.com/mayfly-mail/mayfly/edge/seal"
)

// ownerLookup finds the edge whose inboxes carry an owner code.
// directory.Watcher is one.
type ownerLookup interface {
	EdgeByOwnerCode(code string) (state.Edge, bool)
}

// forwarder sends a public request for an inbox that another edge owns to
// that edge's internal listener, and every other request to the local
// public API. The client gets the owner's reply as it is: status, headers
// and a streamed body.
type forwarder struct {
	ownCode string
	// stop, once closed, ends forwarded requests that are held open, so
	// that a shutdown need not wait for them.
	stop   <-chan struct{}
	local  http.Handler
	owners ownerLookup
	proxy  *httputil.ReverseProxy
	logger *slog.Logger
}

type forwardKey struct{}

// forwardTarget is the owner and base URL of one forwarded request.
type forwardTarget struct {
	owner state.Edge
	base  *url.URL
}

func newForwarder(ownCode string, local http.Handler, owners ownerLookup, client *ownerClient, stop <-chan struct{}, logger *slog.Logger) *forwarder {
	f := &forwarder{ownCode: ownCode, stop: stop, local: local, owners: owners, logger: logger}
	f.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			target := pr.In.Context().Value(forwardKey{}).(forwardTarget)
			pr.SetURL(target.base)
			// Rewrite starts without X-Forwarded-* and this proxy adds none,
			// so the owner never learns the client's address.
			pr.Out.Header.Del("X-Real-Ip")
			pr.Out.Header.Set(clusterTokenHeader, client.clusterToken)
		},
		Transport:    client.transport,
		ErrorHandler: f.ownerFailed,
		ErrorLog:     redactingLogger(logger),
	}
	return f
}

// ServeHTTP forwards requests under /api/v1/inbox whose bearer token
// carries another edge's owner code. A code that no edge of the directory
// has stays here and gets the normal 401.
func (f *forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	owner, ok := f.ownerOf(r)
	if !ok {
		f.local.ServeHTTP(w, r)
		return
	}
	base, err := ownerURL(owner)
	if err != nil {
		f.replyUnavailable(w, owner.ID, err)
		return
	}

	start := time.Now()
	rec := httpstatus.NewRecorder(w)
	ctx := context.WithValue(r.Context(), forwardKey{}, forwardTarget{owner: owner, base: base})
	if heldOpen(r) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-f.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	// The proxy panics with http.ErrAbortHandler when a reply breaks off
	// after its header, as a stream does when its client leaves, so the
	// request is logged on the way out either way.
	defer func() {
		f.logger.Info("http request forwarded",
			"method", r.Method,
			"edge_id", owner.ID,
			"status", rec.Code(),
			"duration_ms", time.Since(start).Milliseconds())
	}()
	f.proxy.ServeHTTP(rec, r.WithContext(ctx))
}

// heldOpen reports whether a request may stay open for long: an event
// stream or a listing that waits for mail.
func heldOpen(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		(r.URL.Path == "/api/v1/inbox/events" || r.URL.Query().Get("wait") != "")
}

// ownerOf returns the owner of the inbox a request is for, when that is
// another edge of the directory.
func (f *forwarder) ownerOf(r *http.Request) (state.Edge, bool) {
	if r.URL.Path != "/api/v1/inbox" && !strings.HasPrefix(r.URL.Path, "/api/v1/inbox/") {
		return state.Edge{}, false
	}
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return state.Edge{}, false
	}
	tok, err := seal.ParseToken(strings.TrimSpace(token))
	if err != nil || tok.OwnerCode == f.ownCode {
		return state.Edge{}, false
	}
	return f.owners.EdgeByOwnerCode(tok.OwnerCode)
}

// ownerFailed is the proxy's error handler: the owner could not be
// reached or failed before its reply started.
func (f *forwarder) ownerFailed(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The client went away and reads no reply.
		return
	}
	target, _ := r.Context().Value(forwardKey{}).(forwardTarget)
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		// The URL holds the request path, which may hold a message id.
		err = urlErr.Err
	}
	f.replyUnavailable(w, target.owner.ID, err)
}

// replyUnavailable replies 503 owner_unavailable and logs the owner's id
// with the cause.
func (f *forwarder) replyUnavailable(w http.ResponseWriter, edgeID string, err error) {
	f.logger.Warn("owner edge unavailable for a forwarded request", "edge_id", edgeID, "error", err)
	w.Header().Set("Retry-After", "30")
	writeError(w, http.StatusServiceUnavailable, codeOwnerUnavailable, "the edge that owns this inbox is unavailable. Try again shortly")
}
