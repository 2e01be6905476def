package fsm

import (
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// SetEdgeHealth is the body of set_edge_health, which the leader's
// liveness loop proposes. LastHeartbeat is the heartbeat time the loop
// judged: when the edge has heartbeated since, the command changes
// nothing, so a heartbeat that commits first is never overridden.
type SetEdgeHealth struct {
	ID            string    `json:"id"`
	Healthy       bool      `json:"healthy"`
	LastHeartbeat time.Time `json:"last_heartbeat"`
}

func (c *SetEdgeHealth) normalize() error {
	return validateEdgeID(c.ID)
}

func (c *SetEdgeHealth) apply(t *txn) (Result, error) {
	e, ok := t.read().Edges[c.ID]
	if !ok {
		return Result{}, reject(ErrEdgeNotFound, "edge %q not found", c.ID)
	}
	if e.Healthy == c.Healthy || e.LastHeartbeat.After(c.LastHeartbeat) {
		return Result{Edge: e}, nil
	}
	return Result{Edge: replaceEdge(t, e, func(e *state.Edge) { e.Healthy = c.Healthy })}, nil
}

// SetEdgeDraining is the body of set_edge_draining. A draining edge is left
// out of MX and creates no inboxes, but the inboxes it owns keep working.
type SetEdgeDraining struct {
	ID       string `json:"id"`
	Draining bool   `json:"draining"`
}

func (c *SetEdgeDraining) normalize() error {
	return validateEdgeID(c.ID)
}

func (c *SetEdgeDraining) apply(t *txn) (Result, error) {
	e, ok := t.read().Edges[c.ID]
	if !ok {
		return Result{}, reject(ErrEdgeNotFound, "edge %q not found: list edges to see the registered ids", c.ID)
	}
	if e.Draining == c.Draining {
		return Result{Edge: e}, nil
	}
	return Result{Edge: replaceEdge(t, e, func(e *state.Edge) { e.Draining = c.Draining })}, nil
}

// replaceEdge stores a changed copy of old and bumps the serials of the
// zones the change alters.
func replaceEdge(t *txn, old state.Edge, change func(*state.Edge)) state.Edge {
	e := old
	change(&e)
	s := t.write()
	s.Edges[e.ID] = e
	bumpEdgeChange(s, old, e)
	return e
}
