package controlplane

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

type requestIDKey struct{}

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b[:])
}

// requestIDFrom returns the request id in ctx, or a new one.
func requestIDFrom(ctx context.Context) string {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		return id
	}
	return newRequestID()
}

// withRequestID gives every request a random id, returned in the
// X-Request-Id header, logged and carried by the commands it proposes.
func (n *Node) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// routineRoutes are called every few seconds by probes and edges.
var routineRoutes = map[string]bool{
	"/healthz":                 true,
	"/readyz":                  true,
	"/v1/directory":            true,
	"/v1/edges/{id}/heartbeat": true,
}

// logRequests logs one line per request with the route pattern, never the
// path, because paths carry domain names and edge ids, and never a header.
// Health probes and the routine calls of edges (heartbeats, directory
// watches) log at debug level unless they fail.
func (n *Node) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)

		route := chi.RouteContext(r.Context()).RoutePattern()
		level := slog.LevelInfo
		if routineRoutes[route] && ww.Status() < 400 {
			level = slog.LevelDebug
		}
		n.log.Log(r.Context(), level, "http request",
			"method", r.Method,
			"route", route,
			"status", ww.Status(),
			"duration_ms", time.Since(start).Milliseconds(),
			"request_id", requestIDFrom(r.Context()))
	})
}

// recoverPanics turns a handler panic into a 500 and a log line, so one
// bad request does not stop the node.
func (n *Node) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				n.log.Error("http handler panicked", "panic", v, "request_id", requestIDFrom(r.Context()))
				writeError(w, http.StatusInternalServerError, "internal", "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// requireBearer rejects requests without "Authorization: Bearer <token>"
// for one of tokens. It compares SHA-256 digests in constant time and
// checks every token, so neither a token's content nor its length nor
// which token matched leaks through timing.
func requireBearer(tokens ...string) func(http.Handler) http.Handler {
	wants := make([][sha256.Size]byte, len(tokens))
	for i, token := range tokens {
		wants[i] = sha256.Sum256([]byte(token))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			presented, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			got := sha256.Sum256([]byte(presented))
			matched := 0
			for _, want := range wants {
				matched |= subtle.ConstantTimeCompare(got[:], want[:])
			}
			if !ok || matched != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="mayfly control plane"`)
				writeError(w, http.StatusUnauthorized, "unauthorized", "missing or invalid bearer token")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
