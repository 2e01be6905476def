package controlplane

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

func (n *Node) listDomains(w http.ResponseWriter, r *http.Request) {
	s, err := n.readState(r)
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.DomainsResponse{Domains: s.DomainList()})
}

// readState returns the local replica's state, or with ?consistent=true,
// which consistentReads routes to the leader, the leader's confirmed state.
func (n *Node) readState(r *http.Request) (*state.State, error) {
	if r.URL.Query().Get("consistent") == "true" {
		return n.ConsistentState(r.Context())
	}
	return n.State(), nil
}

func (n *Node) addDomains(w http.ResponseWriter, r *http.Request) {
	var req wire.AddDomainsRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	domains, err := n.AddDomains(r.Context(), req)
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, wire.DomainsResponse{Domains: domains})
}

func (n *Node) showDomain(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	s, err := n.readState(r)
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	d, ok := s.Domain(name)
	if !ok {
		writeError(w, http.StatusNotFound, "domain_not_found", fmt.Sprintf("domain %q not found", name))
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// retireDomain accepts an empty body, for a retirement without a reason.
func (n *Node) retireDomain(w http.ResponseWriter, r *http.Request) {
	var req wire.RetireDomainRequest
	if err := decodeJSON(w, r, &req); err != nil && !errors.Is(err, errEmptyBody) {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	retire := n.RetireDomain
	if req.Grace {
		retire = n.StartRetiring
	}
	d, err := retire(r.Context(), chi.URLParam(r, "name"), req.Reason)
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
