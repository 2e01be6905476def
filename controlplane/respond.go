package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// maxBodyBytes bounds request bodies; the largest, an add_domains request
// of 1000 names, stays well below it.
const maxBodyBytes = 1 << 20

// errEmptyBody is returned by decodeJSON for a request without a body.
var errEmptyBody = errors.New("request body is missing")

// decodeJSON decodes a request body into v, rejecting unknown fields and
// trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errEmptyBody
		}
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	if dec.More() {
		return errors.New("invalid JSON body: data after the JSON value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, wire.Error{Error: message, Code: code})
}

// rejectionStatus maps a business error of the state machine to an HTTP
// status and error code.
func rejectionStatus(rejected *fsm.RejectError) (int, string) {
	switch {
	case errors.Is(rejected, fsm.ErrDomainExists):
		return http.StatusConflict, "domain_exists"
	case errors.Is(rejected, fsm.ErrDomainNotFound):
		return http.StatusNotFound, "domain_not_found"
	case errors.Is(rejected, fsm.ErrEdgeNotFound):
		return http.StatusNotFound, "edge_not_found"
	case errors.Is(rejected, fsm.ErrStatusTransition):
		return http.StatusConflict, "status_transition"
	case errors.Is(rejected, fsm.ErrOwnerCodesExhausted):
		return http.StatusConflict, "owner_codes_exhausted"
	}
	return http.StatusBadRequest, "invalid"
}

// writeApplyError writes the reply to a failed write. Business rejections
// and leadership errors carry their own message. Any other error is logged
// here and replied to with a generic 500, so internal detail stays on the
// node.
func (n *Node) writeApplyError(w http.ResponseWriter, r *http.Request, err error) {
	var rejected *fsm.RejectError
	if errors.As(err, &rejected) {
		status, code := rejectionStatus(rejected)
		writeError(w, status, code, rejected.Message)
		return
	}
	switch {
	case errors.Is(err, ErrNotMember):
		writeError(w, http.StatusNotFound, "not_member", err.Error())
	case errors.Is(err, ErrNotLeader):
		writeError(w, http.StatusServiceUnavailable, "not_leader", err.Error())
	case errors.Is(err, ErrOutcomeUnknown):
		writeError(w, http.StatusServiceUnavailable, "outcome_unknown", "the node lost leadership or stopped while applying the command; it may or may not have taken effect, and retrying is safe")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusServiceUnavailable, "timeout", "the command was not applied in time; it may still take effect, and retrying is safe")
	default:
		n.log.Error("apply command", "error", err, "request_id", requestIDFrom(r.Context()))
		writeError(w, http.StatusInternalServerError, "internal", "internal error")
	}
}
