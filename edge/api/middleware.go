package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/mayfly-mail/mayfly/edge/httpstatus"
	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/metrics"
)

type contextKey int

const accessKey contextKey = iota

// authenticate resolves the bearer token to the inbox it opens. Every
// failure gets the same reply, so a client cannot tell a malformed token
// from an unknown or an expired one.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		access, err := a.inboxes.Authenticate(r.Context(), token)
		if !ok || err != nil {
			if err != nil && !errors.Is(err, inbox.ErrUnauthorized) {
				a.cfg.Logger.Error("authenticate request", "error", err)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="mayfly"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", unauthorizedMessage)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), accessKey, access)))
	})
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

func accessFrom(r *http.Request) *inbox.Access {
	return r.Context().Value(accessKey).(*inbox.Access)
}

// requestLog logs one line per request: method, route pattern (never the
// raw path, which may hold an id), status, latency and a random id.
func requestLog(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := httpstatus.NewRecorder(w)
			next.ServeHTTP(rec, r)

			route := "unmatched"
			if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePattern() != "" {
				route = rctx.RoutePattern()
				metrics.SetRoute(r.Context(), route)
			}
			logger.Info("http request",
				"request_id", newRequestID(),
				"method", r.Method,
				"route", route,
				"status", rec.Code(),
				"duration_ms", time.Since(start).Milliseconds())
		})
	}
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
