package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// unauthorizedMessage is the one reply to every token that does not open
// an inbox, so that it tells nothing about which check failed.
const unauthorizedMessage = "missing, invalid or expired token: send the inbox token as Authorization: Bearer <token>"

// defaultRetryAfter is the Retry-After, in seconds, of 429 and 503 replies
// whose handler sets none.
const defaultRetryAfter = "5"

// writeError writes the JSON error reply. A 429 or 503 always tells the
// client when to retry.
func writeError(w http.ResponseWriter, status int, code, message string) {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", defaultRetryAfter)
		}
	}
	writeJSON(w, status, apitypes.Error{Error: message, Code: code})
}

// decodeBody reads an optional JSON object into v. An empty body leaves v
// unchanged; unknown fields, trailing data and oversize bodies are errors
// that name the problem.
// The errors end with want, the shape of a valid body, such as
// `{"ttl": "1h"}`.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, want string) error {
	body := http.MaxBytesReader(w, r.Body, maxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooLarge *http.MaxBytesError
	var wrongType *json.UnmarshalTypeError
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case errors.As(err, &tooLarge):
		return fmt.Errorf("request body is larger than %d bytes", maxBodyBytes)
	case errors.As(err, &wrongType):
		return fmt.Errorf("invalid JSON body: field %q must be a %s; want %s", wrongType.Field, wrongType.Type, want)
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON body at byte %d: want a JSON object such as %s", syntax.Offset, want)
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("invalid JSON body: %s; want %s", strings.TrimPrefix(err.Error(), "json: "), want)
	case err != nil:
		return fmt.Errorf("invalid JSON body: %w; want %s", err, want)
	}
	if dec.More() {
		return fmt.Errorf("invalid JSON body: want a single object such as %s", want)
	}
	return nil
}
