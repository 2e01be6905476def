package client

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// Domains lists every pool domain, sorted by name.
func (c *Client) Domains(ctx context.Context, opts ...ReadOption) ([]state.Domain, error) {
	var resp wire.DomainsResponse
	err := c.do(ctx, "GET", withQuery("/v1/domains", opts), nil, &resp)
	return resp.Domains, err
}

// AddDomains adds domains to the pool and returns them as committed.
func (c *Client) AddDomains(ctx context.Context, req wire.AddDomainsRequest) ([]state.Domain, error) {
	var resp wire.DomainsResponse
	err := c.do(ctx, "POST", "/v1/domains", req, &resp)
	return resp.Domains, err
}

// Domain returns one pool domain.
func (c *Client) Domain(ctx context.Context, name string, opts ...ReadOption) (state.Domain, error) {
	var d state.Domain
	err := c.do(ctx, "GET", withQuery("/v1/domains/"+url.PathEscape(name), opts), nil, &d)
	return d, err
}

// RetireDomain moves a domain to retired at once, null MX included, and
// records the reason.
func (c *Client) RetireDomain(ctx context.Context, name, reason string) (state.Domain, error) {
	return c.retire(ctx, name, wire.RetireDomainRequest{Reason: reason})
}

// StartRetiring moves a domain to retiring: no new addresses, MX kept
// until the grace period ends, then retired.
func (c *Client) StartRetiring(ctx context.Context, name, reason string) (state.Domain, error) {
	return c.retire(ctx, name, wire.RetireDomainRequest{Reason: reason, Grace: true})
}

func (c *Client) retire(ctx context.Context, name string, req wire.RetireDomainRequest) (state.Domain, error) {
	var d state.Domain
	path := "/v1/domains/" + url.PathEscape(name) + "/retire"
	err := c.do(ctx, "POST", path, req, &d)
	return d, err
}

// Edges lists the registered edges, sorted by region, then id.
func (c *Client) Edges(ctx context.Context) ([]state.Edge, error) {
	var resp wire.EdgesResponse
	err := c.do(ctx, "GET", "/v1/edges", nil, &resp)
	return resp.Edges, err
}

// DrainEdge starts or stops draining an edge and returns its new entry. An
// unknown edge gets an *APIError with code "edge_not_found".
func (c *Client) DrainEdge(ctx context.Context, id string, draining bool) (state.Edge, error) {
	var e state.Edge
	path := "/v1/edges/" + url.PathEscape(id) + "/drain"
	err := c.do(ctx, "POST", path, wire.DrainRequest{Draining: draining}, &e)
	return e, err
}

// ClusterStatus returns the Raft cluster status as seen by the node that
// handled the request.
func (c *Client) ClusterStatus(ctx context.Context) (wire.ClusterStatus, error) {
	var st wire.ClusterStatus
	err := c.do(ctx, "GET", "/v1/cluster/status", nil, &st)
	return st, err
}

// Register registers an edge, or updates its entry, and returns its
// owner code.
func (c *Client) Register(ctx context.Context, reg wire.EdgeRegistration) (wire.EdgeRegistered, error) {
	var resp wire.EdgeRegistered
	err := c.do(ctx, "POST", "/v1/edges/register", reg, &resp)
	return resp, err
}

// Heartbeat records that the edge with this id is alive. An edge the
// control plane does not know gets an *APIError with code
// "edge_not_found" and should register again.
func (c *Client) Heartbeat(ctx context.Context, id string) error {
	return c.do(ctx, "POST", "/v1/edges/"+url.PathEscape(id)+"/heartbeat", nil, nil)
}

// Directory returns the directory of a region. With index zero it returns
// at once. With the Index of the previous reply it blocks until the
// directory changes or wait passes, and the server caps wait at 5m.
func (c *Client) Directory(ctx context.Context, region string, index uint64, wait time.Duration) (wire.Directory, error) {
	q := url.Values{}
	q.Set("region", region)
	q.Set("index", strconv.FormatUint(index, 10))
	q.Set("wait", wait.String())
	var dir wire.Directory
	err := c.do(ctx, "GET", "/v1/directory?"+q.Encode(), nil, &dir)
	return dir, err
}
