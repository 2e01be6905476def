package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// ErrNotMember is returned for a request about a node that is not in the
// Raft configuration.
var ErrNotMember = errors.New("node is not a member of the cluster")

// membershipTimeout bounds one Raft configuration change.
const membershipTimeout = 10 * time.Second

// Join adds a node to the Raft configuration as a non-voter and records
// its API URL and role. A node that asks to be a voter is promoted by
// autopilot once it has been healthy for the stabilization time; with
// req.NonVoter it stays a read replica, and a voter is demoted. Joining
// again with the same id and addresses changes nothing, so a node may
// retry a join whose outcome it did not see. Only the leader accepts
// joins.
func (n *Node) Join(ctx context.Context, req wire.JoinRequest) error {
	member := fsm.SetMember{ID: req.ID, APIURL: req.APIURL, NonVoter: req.NonVoter}
	if err := n.validate(fsm.TypeSetMember, member); err != nil {
		return err
	}
	if req.RaftAddr == "" {
		return &fsm.RejectError{Kind: fsm.ErrInvalid, Message: "raft address is missing"}
	}
	if n.raft.State() != raft.Leader {
		return n.notLeaderError()
	}

	// The role is committed before the server is added, so that autopilot
	// never sees a read replica without it.
	if _, err := n.propose(ctx, fsm.TypeSetMember, member); err != nil {
		return err
	}
	return n.addServer(ctx, req)
}

// addServer changes the Raft configuration only where it differs from the
// request: a new id, a new address, or a voter that is to be a read
// replica. A voter that asks to be one stays one.
func (n *Node) addServer(ctx context.Context, req wire.JoinRequest) error {
	current, err := n.configuration()
	if err != nil {
		return err
	}
	id, addr := raft.ServerID(req.ID), raft.ServerAddress(req.RaftAddr)
	for _, s := range current.Servers {
		if s.ID != id && s.Address == addr {
			// Another id at this address is a node that was rebuilt under
			// a new id; the old entry would never answer again.
			if err := n.waitFuture(ctx, n.raft.RemoveServer(s.ID, 0, membershipTimeout)); err != nil {
				return fmt.Errorf("remove server %s: %w", s.ID, raftError(err))
			}
		}
		if s.ID == id && s.Address == addr && (s.Suffrage != raft.Voter || !req.NonVoter) {
			return nil
		}
	}

	var future raft.IndexFuture
	switch {
	case hasVoter(current, id) && req.NonVoter:
		future = n.raft.DemoteVoter(id, 0, membershipTimeout)
	case hasVoter(current, id):
		future = n.raft.AddVoter(id, addr, 0, membershipTimeout) // a voter at a new address
	default:
		future = n.raft.AddNonvoter(id, addr, 0, membershipTimeout)
	}
	if err := n.waitFuture(ctx, future); err != nil {
		return fmt.Errorf("add server %s: %w", req.ID, raftError(err))
	}
	n.log.Info("node joined the cluster", "node_id", req.ID, "read_replica", req.NonVoter)
	return nil
}

func hasVoter(c raft.Configuration, id raft.ServerID) bool {
	for _, s := range c.Servers {
		if s.ID == id && s.Suffrage == raft.Voter {
			return true
		}
	}
	return false
}

func (n *Node) configuration() (raft.Configuration, error) {
	future := n.raft.GetConfiguration()
	if err := future.Error(); err != nil {
		return raft.Configuration{}, fmt.Errorf("read raft configuration: %w", err)
	}
	return future.Configuration(), nil
}

// SetMember records the API URL of a node that is in the Raft
// configuration already. Other ids get ErrNotMember, so that a removed
// node cannot bring its entry back.
func (n *Node) SetMember(ctx context.Context, m state.Member) error {
	if err := n.validate(fsm.TypeSetMember, fsm.SetMember(m)); err != nil {
		return err
	}
	current, err := n.configuration()
	if err != nil {
		return err
	}
	if !hasServer(current, raft.ServerID(m.ID)) {
		return fmt.Errorf("set member %s: %w", m.ID, ErrNotMember)
	}
	_, err = n.propose(ctx, fsm.TypeSetMember, fsm.SetMember(m))
	return err
}

func hasServer(c raft.Configuration, id raft.ServerID) bool {
	for _, s := range c.Servers {
		if s.ID == id {
			return true
		}
	}
	return false
}

// RemovePeer removes a node from the Raft configuration and forgets its
// API URL. Removing the leader itself makes it step down.
func (n *Node) RemovePeer(ctx context.Context, id string) error {
	if err := n.validate(fsm.TypeRemoveMember, fsm.RemoveMember{ID: id}); err != nil {
		return err
	}
	current, err := n.configuration()
	if err != nil {
		return err
	}
	if !hasServer(current, raft.ServerID(id)) {
		return fmt.Errorf("remove %s: %w", id, ErrNotMember)
	}
	// Forget the URL first: once the leader has removed itself, it can no
	// longer propose anything.
	if _, err := n.propose(ctx, fsm.TypeRemoveMember, fsm.RemoveMember{ID: id}); err != nil {
		return err
	}
	if err := n.waitFuture(ctx, n.raft.RemoveServer(raft.ServerID(id), 0, membershipTimeout)); err != nil {
		return fmt.Errorf("remove server %s: %w", id, raftError(err))
	}
	n.log.Info("node removed from the cluster", "node_id", id)
	return nil
}

// TransferLeadership hands leadership to the voter with this id, or with
// an empty id to the voter Raft finds most up to date.
func (n *Node) TransferLeadership(ctx context.Context, id string) error {
	if n.raft.State() != raft.Leader {
		return n.notLeaderError()
	}
	future, err := n.startTransfer(id)
	if err != nil {
		return err
	}
	if err := n.waitFuture(ctx, future); err != nil {
		return fmt.Errorf("transfer leadership: %w", raftError(err))
	}
	return nil
}

func (n *Node) startTransfer(id string) (raft.Future, error) {
	if id == "" {
		return n.raft.LeadershipTransfer(), nil
	}
	current, err := n.configuration()
	if err != nil {
		return nil, err
	}
	addr, ok := voterAddress(current, raft.ServerID(id))
	if !ok {
		return nil, fmt.Errorf("transfer leadership to %s: %w", id, ErrNotMember)
	}
	return n.raft.LeadershipTransferToServer(raft.ServerID(id), addr), nil
}

func voterAddress(c raft.Configuration, id raft.ServerID) (raft.ServerAddress, bool) {
	for _, s := range c.Servers {
		if s.ID == id && s.Suffrage == raft.Voter {
			return s.Address, true
		}
	}
	return "", false
}

// ConsistentState confirms that this node still leads and has applied
// every committed entry, then returns its state: no write acknowledged
// before the call is missing from it. Other nodes return ErrNotLeader.
func (n *Node) ConsistentState(ctx context.Context) (*state.State, error) {
	if err := n.waitFuture(ctx, n.raft.VerifyLeader()); err != nil {
		return nil, fmt.Errorf("consistent read: %w", raftError(err))
	}
	if err := n.waitFuture(ctx, n.raft.Barrier(enqueueTimeout(ctx))); err != nil {
		return nil, fmt.Errorf("consistent read: %w", raftError(err))
	}
	return n.State(), nil
}

// RestoreSnapshot proposes a snapshot in the format of fsm.EncodeSnapshot
// as one command that replaces the domains, edges and DNS settings on
// every member.
func (n *Node) RestoreSnapshot(ctx context.Context, snapshot []byte) error {
	_, err := n.propose(ctx, fsm.TypeRestoreState, fsm.RestoreState{Snapshot: json.RawMessage(snapshot)})
	return err
}

// validate runs the stateless checks of a command body.
func (n *Node) validate(typ fsm.CommandType, body any) error {
	cmd, err := fsm.NewCommand(typ, "", time.Now(), body)
	if err != nil {
		return err
	}
	return fsm.Validate(cmd)
}
