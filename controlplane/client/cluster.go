package client

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// ReadOption changes how a read is served.
type ReadOption func(url.Values)

// Consistent makes the leader confirm its leadership and apply every
// committed entry before it reads, instead of the answering node reading
// its local replica, which may trail by the replication lag.
func Consistent() ReadOption {
	return func(q url.Values) { q.Set("consistent", "true") }
}

func withQuery(path string, opts []ReadOption) string {
	q := url.Values{}
	for _, opt := range opts {
		opt(q)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// Peers lists the members of the Raft configuration.
func (c *Client) Peers(ctx context.Context) ([]wire.Peer, error) {
	var resp wire.PeersResponse
	err := c.do(ctx, "GET", "/v1/cluster/peers", nil, &resp)
	return resp.Peers, err
}

// Join adds a node to the cluster. Repeating a join changes nothing.
func (c *Client) Join(ctx context.Context, req wire.JoinRequest) error {
	return c.do(ctx, "POST", "/v1/cluster/join", req, nil)
}

// RemovePeer removes a node from the cluster.
func (c *Client) RemovePeer(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/v1/cluster/remove", wire.RemoveRequest{ID: id}, nil)
}

// TransferLeadership hands leadership to the voter with this id, or to
// the one Raft picks when id is "".
func (c *Client) TransferLeadership(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/v1/cluster/transfer-leadership", wire.TransferLeadershipRequest{ID: id}, nil)
}

// Snapshot returns a consistent snapshot of the replicated state, taken
// on the leader, in the format that RestoreSnapshot takes.
func (c *Client) Snapshot(ctx context.Context) ([]byte, error) {
	var raw json.RawMessage
	err := c.do(ctx, "GET", "/v1/cluster/snapshot", nil, &raw)
	return raw, err
}

// RestoreSnapshot replaces the domains, edges and DNS settings of the
// whole cluster with those of a snapshot.
func (c *Client) RestoreSnapshot(ctx context.Context, snapshot []byte) error {
	return c.do(ctx, "POST", "/v1/cluster/restore", json.RawMessage(snapshot), nil)
}
