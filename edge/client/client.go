// Package client is a Go client for the edge's public API: create an inbox,
// then list, read and delete its messages with the inbox token.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

// APIError is a non-2xx reply of the edge.
type APIError struct {
	Status  int
	Code    string
	Message string
	// RetryAfter is the edge's Retry-After on 429 and 503 replies, 0 when
	// it sent none.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("edge replied %d %s: %s", e.Status, e.Code, e.Message)
}

// IsUnauthorized reports whether err is the edge's 401 reply.
func IsUnauthorized(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized
}

// Client talks to one edge. It is safe for concurrent use.
type Client struct {
	base string
	http *http.Client
	// stream has no overall timeout, for event streams that last as long
	// as the inbox; their context ends them.
	stream *http.Client
}

// requestTimeout bounds every request. It is longer than the edge's
// longest wait for messages, 60s, so that a held listing can end on its own.
const requestTimeout = 90 * time.Second

// New returns a client for the edge at baseURL, such as
// http://127.0.0.1:8080.
func New(baseURL string) *Client {
	transport := http.DefaultTransport
	return &Client{
		base:   strings.TrimSuffix(baseURL, "/"),
		http:   &http.Client{Transport: transport, Timeout: requestTimeout},
		stream: &http.Client{Transport: transport},
	}
}

// Ready returns nil when the edge is ready to serve, and otherwise the
// edge's 503 reply, whose message says why.
func (c *Client) Ready(ctx context.Context) error {
	_, _, err := c.download(ctx, "/readyz", "")
	return err
}

// OpenAPI returns the edge's OpenAPI 3.1 document of this API, as JSON.
func (c *Client) OpenAPI(ctx context.Context) ([]byte, error) {
	b, _, err := c.download(ctx, "/api/v1/openapi.json", "")
	return b, err
}

// Domains returns the domains a new address can use.
func (c *Client) Domains(ctx context.Context) ([]string, error) {
	var out apitypes.Domains
	err := c.do(ctx, http.MethodGet, "/api/v1/domains", "", nil, &out)
	return out.Domains, err
}

// CreateInbox creates an inbox; a zero request takes the defaults.
func (c *Client) CreateInbox(ctx context.Context, req apitypes.CreateInbox) (apitypes.Created, error) {
	var out apitypes.Created
	err := c.do(ctx, http.MethodPost, "/api/v1/inboxes", "", req, &out)
	return out, err
}

// Inbox returns the token's inbox.
func (c *Client) Inbox(ctx context.Context, token string) (apitypes.Inbox, error) {
	var out apitypes.Inbox
	err := c.do(ctx, http.MethodGet, "/api/v1/inbox", token, nil, &out)
	return out, err
}

// Extend sets the inbox to expire ttl from now, capped at the maximum.
func (c *Client) Extend(ctx context.Context, token string, ttl time.Duration) (time.Time, error) {
	var out apitypes.Extended
	err := c.do(ctx, http.MethodPost, "/api/v1/inbox/extend", token, apitypes.Extend{TTL: ttl.String()}, &out)
	return out.ExpiresAt, err
}

// DeleteInbox deletes the inbox and every message now.
func (c *Client) DeleteInbox(ctx context.Context, token string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/inbox", token, nil, nil)
}

// Messages lists the inbox's messages, newest first.
func (c *Client) Messages(ctx context.Context, token string) ([]apitypes.MessageSummary, error) {
	var out apitypes.Messages
	err := c.do(ctx, http.MethodGet, "/api/v1/inbox/messages", token, nil, &out)
	return out.Messages, err
}

// QueryMessages lists the messages that pass q's filters, newest first.
// With q.Wait, the edge holds the request until a matching message arrives
// and returns an empty list when none came in time.
func (c *Client) QueryMessages(ctx context.Context, token string, q apitypes.MessageQuery) ([]apitypes.MessageSummary, error) {
	values := url.Values{}
	for key, value := range map[string]string{"after": q.After, "from": q.From, "subject": q.Subject} {
		if value != "" {
			values.Set(key, value)
		}
	}
	if q.Wait > 0 {
		values.Set("wait", q.Wait.String())
	}
	path := "/api/v1/inbox/messages"
	if len(values) > 0 {
		path += "?" + values.Encode()
	}
	var out apitypes.Messages
	err := c.do(ctx, http.MethodGet, path, token, nil, &out)
	return out.Messages, err
}

// Message returns one parsed message and marks it seen.
func (c *Client) Message(ctx context.Context, token, id string) (apitypes.Message, error) {
	var out apitypes.Message
	err := c.do(ctx, http.MethodGet, "/api/v1/inbox/messages/"+url.PathEscape(id), token, nil, &out)
	return out, err
}

// Raw returns the message as received.
func (c *Client) Raw(ctx context.Context, token, id string) ([]byte, error) {
	body, _, err := c.download(ctx, "/api/v1/inbox/messages/"+url.PathEscape(id)+"/raw", token)
	return body, err
}

// Attachment returns one attachment's bytes and file name.
func (c *Client) Attachment(ctx context.Context, token, id string, index int) ([]byte, string, error) {
	path := fmt.Sprintf("/api/v1/inbox/messages/%s/attachments/%d", url.PathEscape(id), index)
	body, header, err := c.download(ctx, path, token)
	if err != nil {
		return nil, "", err
	}
	_, params, _ := mime.ParseMediaType(header.Get("Content-Disposition"))
	return body, params["filename"], nil
}

// DeleteMessage deletes one message.
func (c *Client) DeleteMessage(ctx context.Context, token, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/inbox/messages/"+url.PathEscape(id), token, nil, nil)
}

func (c *Client) do(ctx context.Context, method, path, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.send(ctx, method, path, token, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode reply to %s %s: %w", method, path, err)
	}
	return nil
}

func (c *Client) download(ctx context.Context, path, token string) ([]byte, http.Header, error) {
	resp, err := c.send(ctx, http.MethodGet, path, token, nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read reply to GET %s: %w", path, err)
	}
	return b, resp.Header, nil
}

// send performs a request and turns a non-2xx reply into an *APIError.
func (c *Client) send(ctx context.Context, method, path, token string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, replyError(resp)
}

// replyError turns a non-2xx reply into an *APIError.
func replyError(resp *http.Response) *APIError {
	apiErr := &APIError{Status: resp.StatusCode}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		apiErr.RetryAfter = time.Duration(secs) * time.Second
	}
	var e apitypes.Error
	if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e) == nil {
		apiErr.Code, apiErr.Message = e.Code, e.Error
	} else {
		apiErr.Message = http.StatusText(resp.StatusCode)
	}
	return apiErr
}
