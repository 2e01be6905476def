package fsm

import (
	"slices"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// RegisterEdge is the body of register_edge. A new edge gets the first
// free owner code. Registering an id again updates the entry but keeps its
// owner code, registration time and draining flag. Either way the
// registration counts as a heartbeat and marks the edge healthy.
type RegisterEdge wire.EdgeRegistration

func (c *RegisterEdge) normalize() error {
	if err := validateEdgeID(c.ID); err != nil {
		return err
	}
	if err := ValidateRegion(c.Region); err != nil {
		return err
	}
	host, err := canonicalHost("MX host", c.MXHost, 1)
	if err != nil {
		return err
	}
	c.MXHost = host
	if c.Addrs, err = canonicalAddrs("edge address", c.Addrs); err != nil {
		return err
	}
	return validateInternalURL(c.InternalURL)
}

func (c *RegisterEdge) apply(t *txn) (Result, error) {
	old, exists := t.read().Edges[c.ID]
	e := state.Edge{
		ID:            c.ID,
		Region:        c.Region,
		MXHost:        c.MXHost,
		Addrs:         c.Addrs,
		InternalURL:   c.InternalURL,
		RegisteredAt:  t.at,
		LastHeartbeat: t.at,
		Healthy:       true,
	}
	if exists {
		e.OwnerCode, e.RegisteredAt, e.Draining = old.OwnerCode, old.RegisteredAt, old.Draining
	} else {
		code, ok := freeOwnerCode(t.read().Edges)
		if !ok {
			return Result{}, reject(ErrOwnerCodesExhausted, "cannot register edge %q: all %d owner codes are in use", c.ID, len(ownerCodeAlphabet)*len(ownerCodeAlphabet))
		}
		e.OwnerCode = code
	}

	s := t.write()
	s.Edges[e.ID] = e
	switch {
	case !exists:
		bumpRegion(s, e.Region)
		s.DNS.OpsSerial++
	default:
		bumpEdgeChange(s, old, e)
	}
	return Result{Edge: e}, nil
}

// bumpEdgeChange bumps the serials of the zones whose records change when
// an edge's entry goes from old to e. The operations zone holds the
// addresses of every edge, draining or not, so only a new MX host or new
// addresses change it.
func bumpEdgeChange(s *state.State, old, e state.Edge) {
	addrsChanged := old.MXHost != e.MXHost || !slices.Equal(old.Addrs, e.Addrs)
	inMXChanged := inMX(old) != inMX(e)
	if old.Region != e.Region {
		bumpRegion(s, old.Region)
		bumpRegion(s, e.Region)
	} else if addrsChanged || inMXChanged {
		bumpRegion(s, e.Region)
	}
	if addrsChanged {
		s.DNS.OpsSerial++
	}
}

// inMX reports whether the MX records of the edge's region name the edge.
func inMX(e state.Edge) bool {
	return e.Healthy && !e.Draining
}

// HeartbeatEdge is the body of heartbeat_edge: it records that the edge
// was alive at At, or at the command's time when At is zero, and marks an
// unhealthy edge healthy again. An older At than the one recorded leaves
// the entry as it is.
type HeartbeatEdge struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

func (c *HeartbeatEdge) normalize() error {
	return validateEdgeID(c.ID)
}

func (c *HeartbeatEdge) apply(t *txn) (Result, error) {
	e, ok := t.read().Edges[c.ID]
	if !ok {
		return Result{}, reject(ErrEdgeNotFound, "edge %q not found: register it first", c.ID)
	}
	at := c.At
	if at.IsZero() {
		at = t.at
	}
	if !at.After(e.LastHeartbeat) {
		return Result{Edge: e}, nil
	}
	old := e
	e.LastHeartbeat, e.Healthy = at, true
	s := t.write()
	s.Edges[c.ID] = e
	bumpEdgeChange(s, old, e)
	return Result{Edge: e}, nil
}

// RemoveEdge is the body of remove_edge: it deletes an edge's entry, which
// frees its owner code. Removing an edge that is not registered succeeds
// without a change.
type RemoveEdge struct {
	ID string `json:"id"`
}

func (c *RemoveEdge) normalize() error {
	return validateEdgeID(c.ID)
}

func (c *RemoveEdge) apply(t *txn) (Result, error) {
	e, ok := t.read().Edges[c.ID]
	if !ok {
		return Result{}, nil
	}
	s := t.write()
	delete(s.Edges, c.ID)
	bumpRegion(s, e.Region)
	s.DNS.OpsSerial++
	return Result{Edge: e}, nil
}
