package client

import (
	"context"
	"net/url"

	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// DS returns the DS record that the parent of a served zone must publish
// for the zone's DNSSEC signatures to validate. A zone the cluster does not
// serve gets an *APIError with code "zone_not_found", and unsigned zones
// one with code "dnssec_off".
func (c *Client) DS(ctx context.Context, zone string, opts ...ReadOption) (wire.DSResponse, error) {
	var resp wire.DSResponse
	err := c.do(ctx, "GET", withQuery("/v1/dns/ds/"+url.PathEscape(zone), opts), nil, &resp)
	return resp, err
}

// EnableDNSSEC makes the cluster sign its zones, generating the signing
// key unless it has one.
func (c *Client) EnableDNSSEC(ctx context.Context) error {
	return c.do(ctx, "POST", "/v1/dns/dnssec", nil, nil)
}
