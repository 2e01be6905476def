package controlplane

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

func (n *Node) listEdges(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, wire.EdgesResponse{Edges: edgeList(n.State())})
}

func (n *Node) registerEdge(w http.ResponseWriter, r *http.Request) {
	var reg wire.EdgeRegistration
	if err := decodeJSON(w, r, &reg); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	e, err := n.RegisterEdge(r.Context(), reg)
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.EdgeRegistered{OwnerCode: e.OwnerCode})
}

func (n *Node) heartbeatEdge(w http.ResponseWriter, r *http.Request) {
	if err := n.Heartbeat(r.Context(), chi.URLParam(r, "id")); err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// drainEdge starts or stops draining an edge. The body is required, so
// that an empty request cannot start a drain by accident.
func (n *Node) drainEdge(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Draining *bool `json:"draining"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	if req.Draining == nil {
		writeError(w, http.StatusBadRequest, "invalid", `missing "draining": want a body such as {"draining": true}`)
		return
	}
	e, err := n.SetEdgeDraining(r.Context(), chi.URLParam(r, "id"), *req.Draining)
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// edgeList returns every edge sorted by region, then id.
func edgeList(s *state.State) []state.Edge {
	out := make([]state.Edge, 0, len(s.Edges))
	for _, e := range s.Edges {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b state.Edge) int {
		return cmp.Or(cmp.Compare(a.Region, b.Region), cmp.Compare(a.ID, b.ID))
	})
	return out
}
