package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mayfly-mail/mayfly/edge/address"
	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/inbox"
)

// The bodies of POST /inboxes and POST /inbox/extend, for error messages.
const (
	createBodyShape = `{"prefix": "alice", "domain": "one of GET /api/v1/domains", "ttl": "1h"} (every field optional)`
	extendBodyShape = `{"ttl": "24h"}`
)

// createAttempts bounds retries when a generated address is already live,
// which only happens if the random generator repeats itself.
const createAttempts = 3

func (a *API) createInbox(w http.ResponseWriter, r *http.Request) {
	// A draining edge is on its way out, so it takes on no new inboxes
	// while the ones it owns keep working until they expire.
	if a.cfg.Draining != nil && a.cfg.Draining() {
		writeError(w, http.StatusServiceUnavailable, "draining", "this edge is draining and creates no new inboxes; create the inbox at another edge")
		return
	}
	var req apitypes.CreateInbox
	if err := decodeBody(w, r, &req, createBodyShape); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	domain, err := a.chooseDomain(req.Domain)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_domain", err.Error())
		return
	}
	ttl, err := a.parseTTL(req.TTL, false)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_ttl", err.Error())
		return
	}
	if req.Prefix != "" {
		if err := address.CheckPrefix(strings.ToLower(req.Prefix)); err != nil {
			writeError(w, http.StatusBadRequest, "invalid_prefix", err.Error())
			return
		}
	}

	for range createAttempts {
		local, err := a.newLocalPart(req.Prefix)
		if err != nil {
			a.internalError(w, "generate address", err)
			return
		}
		created, err := a.inboxes.Create(r.Context(), local+"@"+domain, ttl)
		if errors.Is(err, inbox.ErrAddressTaken) {
			continue
		}
		if err != nil {
			a.internalError(w, "create inbox", err)
			return
		}
		writeJSON(w, http.StatusCreated, apitypes.Created{Address: created.Address, Token: created.Token, ExpiresAt: created.ExpiresAt})
		return
	}
	a.internalError(w, "create inbox", errors.New("every generated address was taken"))
}

func (a *API) newLocalPart(prefix string) (string, error) {
	if prefix == "" {
		return address.NewRandom(a.cfg.OwnerCode)
	}
	return address.NewCustom(prefix, a.cfg.OwnerCode)
}

// chooseDomain returns the requested domain if it is active here, or the
// first active domain when none was requested.
func (a *API) chooseDomain(requested string) (string, error) {
	active := a.domains.ActiveDomains()
	if len(active) == 0 {
		return "", errors.New("this edge has no active domain yet; try again shortly")
	}
	if requested == "" {
		return active[0], nil
	}
	name := strings.TrimSuffix(strings.ToLower(requested), ".")
	if !slices.Contains(active, name) {
		return "", fmt.Errorf("unknown domain %q: want one of %s", requested, strings.Join(active, ", "))
	}
	return name, nil
}

// parseTTL reads a TTL given as a Go duration. An empty value means the
// default. Over the maximum, creation is an error and extension is capped.
func (a *API) parseTTL(text string, capAtMax bool) (time.Duration, error) {
	if text == "" {
		return a.cfg.DefaultTTL, nil
	}
	ttl, err := time.ParseDuration(text)
	if err != nil {
		return 0, fmt.Errorf("invalid ttl %q: want a duration such as 10m, 1h or 24h", text)
	}
	if ttl < time.Second {
		return 0, fmt.Errorf("invalid ttl %q: want at least 1s", text)
	}
	if ttl > a.cfg.MaxTTL {
		if capAtMax {
			return a.cfg.MaxTTL, nil
		}
		return 0, fmt.Errorf("invalid ttl %q: the maximum is %s", text, formatDuration(a.cfg.MaxTTL))
	}
	return ttl, nil
}

func (a *API) getInbox(w http.ResponseWriter, r *http.Request) {
	info, err := accessFrom(r).Info(r.Context())
	if err != nil {
		a.accessError(w, "read inbox", err)
		return
	}
	writeJSON(w, http.StatusOK, apitypes.Inbox{
		Address:      info.Address,
		CreatedAt:    info.CreatedAt,
		ExpiresAt:    info.ExpiresAt,
		MessageCount: info.MessageCount,
	})
}

// extendInbox moves the expiry to ttl from now. An extension never
// shortens an inbox, and no inbox lives longer than MaxTTL from its
// creation, so the reply may carry an earlier time than requested.
func (a *API) extendInbox(w http.ResponseWriter, r *http.Request) {
	var req apitypes.Extend
	if err := decodeBody(w, r, &req, extendBodyShape); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if req.TTL == "" {
		writeError(w, http.StatusBadRequest, "invalid_ttl", `missing ttl: want a body such as {"ttl": "1h"}`)
		return
	}
	ttl, err := a.parseTTL(req.TTL, true)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_ttl", err.Error())
		return
	}

	access := accessFrom(r)
	info, err := access.Info(r.Context())
	if err != nil {
		a.accessError(w, "read inbox", err)
		return
	}
	target := time.Now().Add(ttl)
	if limit := info.CreatedAt.Add(a.cfg.MaxTTL); target.After(limit) {
		target = limit
	}
	if !target.After(info.ExpiresAt) || time.Until(target) < time.Second {
		writeJSON(w, http.StatusOK, apitypes.Extended{ExpiresAt: info.ExpiresAt})
		return
	}

	expires, err := access.Extend(r.Context(), time.Until(target))
	if err != nil {
		a.accessError(w, "extend inbox", err)
		return
	}
	writeJSON(w, http.StatusOK, apitypes.Extended{ExpiresAt: expires})
}

func (a *API) deleteInbox(w http.ResponseWriter, r *http.Request) {
	if err := accessFrom(r).Delete(r.Context()); err != nil {
		a.accessError(w, "delete inbox", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// accessError replies to a failure of an authenticated call. An inbox that
// expired or was deleted during the request is a 401 like any bad token.
func (a *API) accessError(w http.ResponseWriter, op string, err error) {
	switch {
	case errors.Is(err, inbox.ErrUnauthorized), errors.Is(err, inbox.ErrNoInbox):
		writeError(w, http.StatusUnauthorized, "unauthorized", unauthorizedMessage)
	case errors.Is(err, inbox.ErrMessageNotFound):
		writeError(w, http.StatusNotFound, "message_not_found", "no message with this id in the inbox")
	case errors.Is(err, inbox.ErrInvalidTTL):
		writeError(w, http.StatusBadRequest, "invalid_ttl", err.Error())
	default:
		a.internalError(w, op, err)
	}
}

func (a *API) internalError(w http.ResponseWriter, op string, err error) {
	a.cfg.Logger.Error(op, "error", err)
	writeError(w, http.StatusInternalServerError, "internal", "internal error")
}

// formatDuration prints whole hours as "168h" rather than "168h0m0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
