package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/mayfly-mail/mayfly/edge/httpstatus"
)

// routeSlot carries the route pattern from the router, deep in the handler
// chain, back out to the middleware that counts the request.
type routeSlot struct{ pattern string }

type routeKey struct{}

// Route labels of requests that no router matched.
const (
	// RouteUnmatched is a request that ended before any router chose a
	// route: rejected by a limit, or a 404.
	RouteUnmatched = "unmatched"
)

// createRoute and createMethod identify the request that creates an inbox.
const (
	createRoute  = "/api/v1/inboxes"
	createMethod = http.MethodPost
)

// SetRoute records the route pattern (such as /api/v1/inbox/messages/{id})
// that handled r, for the request's labels. Outside Middleware it does
// nothing. The pattern must come from the router's table, never from the
// request's path, which may contain an id.
func SetRoute(ctx context.Context, pattern string) {
	if slot, ok := ctx.Value(routeKey{}).(*routeSlot); ok {
		slot.pattern = pattern
	}
}

// Middleware counts every request that next serves and times it.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		slot := &routeSlot{pattern: RouteUnmatched}
		rec := httpstatus.NewRecorder(w)
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), routeKey{}, slot)))

		status := rec.Code()
		m.requests.WithLabelValues(slot.pattern, methodLabel(r.Method), statusClass(status)).Inc()
		m.durations.WithLabelValues(slot.pattern).Observe(time.Since(start).Seconds())
		if r.Method == createMethod && slot.pattern == createRoute && status == http.StatusCreated {
			m.inboxesCreated.Inc()
		}
	})
}

// methodLabel keeps the method label to the standard methods, since a
// client may send any token as a method.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return method
	default:
		return "other"
	}
}

func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}
