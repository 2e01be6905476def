package edge

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// ErrOwnerUnavailable means the edge that owns an inbox could not be
// reached, did not reply in time or failed the request. The SMTP session
// turns it into 451 4.3.0 and the public API into 503 owner_unavailable.
var ErrOwnerUnavailable = errors.New("owner edge unavailable")

// Limits of calls to another edge's internal API.
const (
	// ownerDialTimeout bounds connecting to an owner.
	ownerDialTimeout = 5 * time.Second
	// ownerReplyTimeout bounds the wait for an owner's reply header after
	// the whole request is sent, which for a delivery includes the fsync.
	// It is above the 60 s a forwarded listing may be held open for new
	// mail (GET /api/v1/inbox/messages?wait=60s).
	ownerReplyTimeout = 75 * time.Second
	// recipientCheckTimeout bounds one RCPT check at the owner, well below
	// the 5 minutes a sender waits for the RCPT reply (RFC 5321 §4.5.3.2).
	recipientCheckTimeout = 10 * time.Second
	// maxOwnerReplyBytes bounds a JSON reply of the internal API.
	maxOwnerReplyBytes = 64 << 10
)

// ownerClient calls the internal API of the edges that own inboxes. It is
// safe for concurrent use.
type ownerClient struct {
	transport    *http.Transport
	http         *http.Client
	clusterToken string
	// checkTimeout is recipientCheckTimeout, shorter in tests.
	checkTimeout time.Duration
}

// newOwnerClient returns a client that authenticates with clusterToken and
// verifies https owners with tlsConfig (nil means the system's roots).
func newOwnerClient(tlsConfig *tls.Config, clusterToken string) *ownerClient {
	dialer := &net.Dialer{Timeout: ownerDialTimeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		// Internal traffic goes straight to the owner, never through an
		// HTTP proxy named in the environment.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   ownerDialTimeout,
		ResponseHeaderTimeout: ownerReplyTimeout,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
	}
	return &ownerClient{
		transport:    transport,
		http:         &http.Client{Transport: transport},
		clusterToken: clusterToken,
		checkTimeout: recipientCheckTimeout,
	}
}

// close drops the idle connections to owners.
func (c *ownerClient) close() { c.transport.CloseIdleConnections() }

// ownerURL returns the base URL of an owner's internal API.
func ownerURL(owner state.Edge) (*url.URL, error) {
	if owner.InternalURL == "" {
		return nil, fmt.Errorf("%w: edge %s registered no internal URL", ErrOwnerUnavailable, owner.ID)
	}
	u, err := url.Parse(owner.InternalURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: edge %s has an invalid internal URL", ErrOwnerUnavailable, owner.ID)
	}
	return u, nil
}

// newRequest builds an authenticated request to path at owner.
func (c *ownerClient) newRequest(ctx context.Context, owner state.Edge, path string, body io.Reader) (*http.Request, error) {
	base, err := ownerURL(owner)
	if err != nil {
		return nil, err
	}
	target := strings.TrimSuffix(base.String(), "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, body)
	if err != nil {
		return nil, fmt.Errorf("build request to edge %s: %w", owner.ID, err)
	}
	req.Header.Set(clusterTokenHeader, c.clusterToken)
	return req, nil
}

// checkRecipient reports whether a live inbox at owner has the normalised
// address.
func (c *ownerClient) checkRecipient(ctx context.Context, owner state.Edge, address string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.checkTimeout)
	defer cancel()

	body, err := json.Marshal(recipientCheckRequest{Address: address})
	if err != nil {
		return false, fmt.Errorf("encode recipient check: %w", err)
	}
	req, err := c.newRequest(ctx, owner, recipientCheckPath, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return false, unavailable(owner, err)
	}
	defer resp.Body.Close()

	var reply recipientCheckReply
	if err := decodeOwnerReply(resp, &reply); err != nil {
		return false, fmt.Errorf("%w: edge %s: check recipient: %w", ErrOwnerUnavailable, owner.ID, err)
	}
	return reply.Accepts, nil
}

// unavailable wraps a failed call to owner. The URL of the call is dropped
// from the cause: a forwarded API path can hold a message id.
func unavailable(owner state.Edge, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return fmt.Errorf("%w: edge %s: %w", ErrOwnerUnavailable, owner.ID, err)
}

// decodeOwnerReply decodes a 200 JSON reply into out, and turns any other
// status into an error that carries the reply's error code.
func decodeOwnerReply(resp *http.Response, out any) error {
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxOwnerReplyBytes))
	if err != nil {
		return fmt.Errorf("read reply: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return &ownerStatusError{Status: resp.StatusCode, Code: errorCode(data)}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode reply: %w", err)
	}
	return nil
}

// ownerStatusError is a non-200 reply of an owner's internal API.
type ownerStatusError struct {
	Status int
	// Code is the reply's JSON error code, "" when it had none.
	Code string
}

func (e *ownerStatusError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("owner replied HTTP %d", e.Status)
	}
	return fmt.Sprintf("owner replied HTTP %d (%s)", e.Status, e.Code)
}

func errorCode(body []byte) string {
	var e struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Code
}
