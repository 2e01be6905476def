package client

import (
	"context"
	"net/url"

	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// Pool returns the pool health of every region.
func (c *Client) Pool(ctx context.Context, opts ...ReadOption) (wire.PoolResponse, error) {
	var resp wire.PoolResponse
	err := c.do(ctx, "GET", withQuery("/v1/pool", opts), nil, &resp)
	return resp, err
}

// DomainChecks returns a domain with its blocklist evidence.
func (c *Client) DomainChecks(ctx context.Context, name string, opts ...ReadOption) (wire.DomainChecksResponse, error) {
	var resp wire.DomainChecksResponse
	err := c.do(ctx, "GET", withQuery("/v1/domains/"+url.PathEscape(name)+"/checks", opts), nil, &resp)
	return resp, err
}

// CheckBlocklists runs every configured blocklist on domain now and returns
// the results without recording them.
func (c *Client) CheckBlocklists(ctx context.Context, domain string) (wire.BlocklistCheckResponse, error) {
	var resp wire.BlocklistCheckResponse
	err := c.do(ctx, "POST", "/v1/blocklist/check", wire.BlocklistCheckRequest{Domain: domain}, &resp)
	return resp, err
}
