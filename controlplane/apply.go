package controlplane

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

var (
	// ErrNotLeader is returned for a write sent to a node that is not the
	// Raft leader. Nothing was proposed, so the write can go to the leader.
	ErrNotLeader = errors.New("node is not the raft leader")
	// ErrOutcomeUnknown is returned when leadership was lost or the node
	// shut down after a command was proposed: the command may or may not
	// be committed. Sending it again is safe, because every command is
	// idempotent.
	ErrOutcomeUnknown = errors.New("command outcome unknown")
)

// applyEnqueueTimeout bounds how long Apply waits for Raft to accept a
// command when the context has no deadline.
const applyEnqueueTimeout = 10 * time.Second

// Apply proposes a command, waits until it is applied on this node and
// returns its result. Only the leader accepts commands: other nodes return
// ErrNotLeader. A rejected command returns a *fsm.RejectError. When ctx
// ends first, the command may still be committed later.
func (n *Node) Apply(ctx context.Context, cmd fsm.Command) (fsm.Result, error) {
	if err := fsm.Validate(cmd); err != nil {
		return fsm.Result{}, err
	}
	if n.raft.State() != raft.Leader {
		return fsm.Result{}, n.notLeaderError()
	}
	data, err := cmd.Encode()
	if err != nil {
		return fsm.Result{}, err
	}

	start := time.Now()
	future := n.raft.Apply(data, enqueueTimeout(ctx))
	if err := n.waitFuture(ctx, future); err != nil {
		return fsm.Result{}, fmt.Errorf("apply %s: %w", cmd.Type, raftError(err))
	}
	observeSince(n.metrics.commit, start)
	resp, ok := future.Response().(fsm.Response)
	if !ok {
		return fsm.Result{}, fmt.Errorf("apply %s: unexpected response %T", cmd.Type, future.Response())
	}
	return resp.Result, resp.Err
}

func (n *Node) notLeaderError() error {
	_, leader := n.raft.LeaderWithID()
	if leader == "" {
		return fmt.Errorf("%w: this node has no current leader, because it cannot reach a quorum of voters or an election is under way", ErrNotLeader)
	}
	return fmt.Errorf("%w: send writes to node %s", ErrNotLeader, leader)
}

func enqueueTimeout(ctx context.Context) time.Duration {
	if deadline, ok := ctx.Deadline(); ok {
		return max(time.Until(deadline), time.Millisecond)
	}
	return applyEnqueueTimeout
}

// raftError maps Raft's errors about leadership onto this package's.
func raftError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader):
		return fmt.Errorf("%w: %w", ErrNotLeader, err)
	case errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
	}
	return err
}

// waitFuture waits for a Raft future or the end of ctx. The goroutine it
// starts ends when Raft resolves the future, which Raft does at the latest
// when it shuts down.
func (n *Node) waitFuture(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// propose builds a command stamped with the request id carried by ctx (or
// a new one) and the current time, and applies it.
func (n *Node) propose(ctx context.Context, typ fsm.CommandType, body any) (fsm.Result, error) {
	cmd, err := fsm.NewCommand(typ, requestIDFrom(ctx), time.Now().UTC(), body)
	if err != nil {
		return fsm.Result{}, err
	}
	return n.Apply(ctx, cmd)
}

// AddDomains adds domains to the pool and returns them in their committed
// state, including those the pool already held in the same region.
func (n *Node) AddDomains(ctx context.Context, req wire.AddDomainsRequest) ([]state.Domain, error) {
	res, err := n.propose(ctx, fsm.TypeAddDomains, fsm.AddDomains(req))
	return res.Domains, err
}

// SetDomainStatus moves a domain to a status and records the reason.
func (n *Node) SetDomainStatus(ctx context.Context, name string, status state.DomainStatus, reason string) (state.Domain, error) {
	res, err := n.propose(ctx, fsm.TypeSetDomainStatus, fsm.SetDomainStatus{Name: name, Status: status, Reason: reason})
	return firstDomain(res, err)
}

// RetireDomain moves a domain straight to retired and records the reason.
func (n *Node) RetireDomain(ctx context.Context, name, reason string) (state.Domain, error) {
	res, err := n.propose(ctx, fsm.TypeRetireDomain, fsm.RetireDomain{Name: name, Reason: reason})
	return firstDomain(res, err)
}

// StartRetiring moves a domain to retiring: it takes no new addresses at
// once, keeps its MX for the inboxes it has, and the leader retires it
// when the retiring grace period has passed.
func (n *Node) StartRetiring(ctx context.Context, name, reason string) (state.Domain, error) {
	res, err := n.propose(ctx, fsm.TypeRetireDomain, fsm.RetireDomain{Name: name, Reason: reason, Grace: true})
	return firstDomain(res, err)
}

func firstDomain(res fsm.Result, err error) (state.Domain, error) {
	if err != nil || len(res.Domains) == 0 {
		return state.Domain{}, err
	}
	return res.Domains[0], nil
}

// RegisterEdge registers an edge, or updates its entry, and returns the
// entry with its owner code.
func (n *Node) RegisterEdge(ctx context.Context, reg wire.EdgeRegistration) (state.Edge, error) {
	res, err := n.propose(ctx, fsm.TypeRegisterEdge, fsm.RegisterEdge(reg))
	return res.Edge, err
}

// Heartbeat records that an edge is alive now. An unregistered edge gets
// a *fsm.RejectError of fsm.ErrEdgeNotFound.
func (n *Node) Heartbeat(ctx context.Context, id string) error {
	_, err := n.propose(ctx, fsm.TypeHeartbeatEdge, fsm.HeartbeatEdge{ID: id})
	return err
}

// SetEdgeDraining starts or stops draining an edge and returns its new
// entry. An unknown edge gets a *fsm.RejectError of fsm.ErrEdgeNotFound.
func (n *Node) SetEdgeDraining(ctx context.Context, id string, draining bool) (state.Edge, error) {
	res, err := n.propose(ctx, fsm.TypeSetEdgeDraining, fsm.SetEdgeDraining{ID: id, Draining: draining})
	return res.Edge, err
}

// RemoveEdge deletes an edge's entry and frees its owner code.
func (n *Node) RemoveEdge(ctx context.Context, id string) error {
	_, err := n.propose(ctx, fsm.TypeRemoveEdge, fsm.RemoveEdge{ID: id})
	return err
}

// SetDNSSettings replaces the DNS settings. settings.OpsSerial is ignored.
func (n *Node) SetDNSSettings(ctx context.Context, settings state.DNSSettings) error {
	_, err := n.propose(ctx, fsm.TypeSetDNSSettings, fsm.SetDNSSettings(settings))
	return err
}
