package ratelimit

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

// Request classes, each with its own limit.
const (
	// ClassCreate is POST /api/v1/inboxes, which creates an inbox.
	ClassCreate = "create"
	// ClassAPI is every other request.
	ClassAPI = "api"
)

// createPath is the route that creates an inbox.
const createPath = "/api/v1/inboxes"

// CodeRateLimited is the error code of the 429 reply.
const CodeRateLimited = "rate_limited"

// Policy limits the public API per client: creating an inbox under Create,
// every other request under API.
type Policy struct {
	Create *Limiter
	API    *Limiter
	// OnLimited, when set, is called with the class of every request
	// rejected, for metrics. It must not block.
	OnLimited func(class string)
}

// Wrap returns next behind the limits. A request over its limit gets 429
// with Retry-After in seconds and {"error": "...", "code": "rate_limited"}.
// The client's address is read from the connection (r.RemoteAddr); no
// forwarding header is trusted, and nothing about the client is logged.
func (p Policy) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		class, limiter := p.classify(r)
		ok, wait := limiter.Allow(ClientIP(r.RemoteAddr))
		if !ok {
			if p.OnLimited != nil {
				p.OnLimited(class)
			}
			writeLimited(w, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (p Policy) classify(r *http.Request) (string, *Limiter) {
	if r.Method == http.MethodPost && r.URL.Path == createPath {
		return ClassCreate, p.Create
	}
	return ClassAPI, p.API
}

func writeLimited(w http.ResponseWriter, wait time.Duration) {
	seconds := max(1, int(math.Ceil(wait.Seconds())))
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(seconds))
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(apitypes.Error{
		Error: "too many requests from this client; retry after " + strconv.Itoa(seconds) + " s",
		Code:  CodeRateLimited,
	})
}
