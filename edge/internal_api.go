package edge

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/mayfly-mail/mayfly/edge/api"
	"github.com/mayfly-mail/mayfly/edge/httpstatus"
	"github.com/mayfly-mail/mayfly/edge/inbox"
)

// ownerInboxes is the part of the inbox service that the internal API
// uses for requests from other edges.
type ownerInboxes interface {
	Accepts(ctx context.Context, address string) (bool, error)
	BeginDelivery(ctx context.Context, env inbox.Envelope, rcpts []inbox.DeliveryRecipient) (*inbox.Delivery, error)
}

// internalAPI serves the edge's internal listener: health checks for
// anyone, and for callers that present the cluster token the recipient
// check, the delivery of forwarded messages and the public inbox routes of
// forwarded API requests.
type internalAPI struct {
	clusterToken   []byte
	inboxes        ownerInboxes
	public         http.Handler
	maxMessageSize int64
	logger         *slog.Logger
}

// handler returns the internal listener's routes.
func (h *internalAPI) handler(ready func() bool, readyNote func() string) http.Handler {
	protected := http.NewServeMux()
	protected.HandleFunc("POST "+recipientCheckPath, h.checkRecipient)
	protected.HandleFunc("POST "+deliveryPath, h.deliver)
	// Forwarded public requests reach the same handler as on the public
	// listener, which authenticates the user's bearer token itself.
	protected.Handle("/api/v1/inbox", h.public)
	protected.Handle("/api/v1/inbox/", h.public)
	protected.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such route")
	})

	health := api.Health(ready, readyNote)
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", health)
	mux.Handle("GET /readyz", health)
	mux.Handle("/", h.requireClusterToken(protected))
	return logInternalRequests(h.logger, mux)
}

// requireClusterToken lets through only requests that carry the cluster
// token in their own header. The comparison takes the same time wherever
// the first difference is.
func (h *internalAPI) requireClusterToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get(clusterTokenHeader))
		if len(h.clusterToken) == 0 || subtle.ConstantTimeCompare(got, h.clusterToken) != 1 {
			h.logger.Warn("internal request without a valid cluster token", "method", r.Method)
			writeError(w, http.StatusUnauthorized, "unauthorized", "missing or invalid cluster token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// logInternalRequests logs one line per request with the matched route
// pattern, never the raw path, and no caller address.
func logInternalRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := httpstatus.NewRecorder(w)
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		logger.Debug("internal http request",
			"method", r.Method,
			"route", route,
			"status", rec.Code(),
			"duration_ms", time.Since(start).Milliseconds())
	})
}
