// Package client is the Go client of the control-plane HTTP API, used by
// mayflyctl with the operator token and by edges with the cluster token.
//
// A Client has several control-plane URLs. It sends each request to the
// URL that last succeeded and moves on to the next one when a URL is
// unreachable or returns 503, which means no leader or a write sent to a
// follower.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// maxResponseBytes bounds a response body; a directory of a large pool
// stays well below it.
const maxResponseBytes = 32 << 20

// APIError is a non-2xx reply of the control plane.
type APIError struct {
	Status int
	// Code is the machine-readable code of the reply, such as
	// "domain_not_found", or "" when the body was not a JSON error.
	Code    string
	Message string
}

func (e *APIError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("control plane: %s (HTTP %d)", e.Message, e.Status)
	}
	return fmt.Sprintf("control plane: %s (HTTP %d, %s)", e.Message, e.Status, e.Code)
}

// Client calls the control-plane API. It is safe for concurrent use.
type Client struct {
	urls      []string
	token     string
	http      *http.Client
	preferred atomic.Int64 // index into urls of the URL that last succeeded
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client, http.DefaultClient by default. A
// client timeout must exceed the wait of Directory requests.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.http = hc }
}

// New returns a client for the control-plane API at baseURLs (such as
// "http://127.0.0.1:9400"), which sends token as its bearer token.
func New(baseURLs []string, token string, opts ...Option) (*Client, error) {
	if len(baseURLs) == 0 {
		return nil, errors.New("new control-plane client: no URL given")
	}
	c := &Client{token: token, http: http.DefaultClient}
	for _, raw := range baseURLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("new control-plane client: invalid URL %q: it must be an absolute http or https URL", raw)
		}
		c.urls = append(c.urls, strings.TrimSuffix(u.String(), "/"))
	}
	for _, opt := range opts {
		opt(c)
	}
	return c, nil
}

// do sends a request with in as its JSON body (none when nil) and decodes
// a 2xx reply into out (discarded when nil). It tries each URL once,
// starting with the one that last succeeded.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	body, err := encodeBody(in)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}

	start := int(c.preferred.Load())
	var lastErr error
	for i := range c.urls {
		index := (start + i) % len(c.urls)
		err := c.send(ctx, c.urls[index]+path, method, body, out)
		if err == nil {
			c.preferred.Store(int64(index))
			return nil
		}
		if ctx.Err() != nil || !worthRetrying(err) {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		lastErr = err
	}
	return fmt.Errorf("%s %s: every control-plane URL failed, the last with: %w", method, path, lastErr)
}

// worthRetrying reports whether another URL may succeed: the request did
// not reach this one, or it had no leader or was not the leader.
func worthRetrying(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status == http.StatusServiceUnavailable
	}
	return true
}

func encodeBody(in any) ([]byte, error) {
	if in == nil {
		return nil, nil
	}
	data, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return data, nil
}

func (c *Client) send(ctx context.Context, target, method string, body []byte, out any) error {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeReply(resp, out)
}

func decodeReply(resp *http.Response, out any) error {
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("read reply: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return replyError(resp.StatusCode, data)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode reply: %w", err)
	}
	return nil
}

// replyError builds the APIError of a non-2xx reply, from its JSON error
// body when it has one.
func replyError(status int, body []byte) *APIError {
	var e struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return &APIError{Status: status, Code: e.Code, Message: e.Error}
	}
	return &APIError{Status: status, Message: http.StatusText(status)}
}
