package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/mayfly-mail/mayfly/edge/api"
)

// openAPICheck sends requests to a real API and validates each request
// and reply against the OpenAPI document, recording which operations and
// statuses it saw.
type openAPICheck struct {
	t         *testing.T
	validator validator.Validator
	seen      map[string]bool
}

func newOpenAPICheck(t *testing.T) *openAPICheck {
	t.Helper()
	doc, err := libopenapi.NewDocument(api.OpenAPIDocument())
	if err != nil {
		t.Fatalf("parse OpenAPI document: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("build validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("OpenAPI document: %s: %s", e.Message, e.Reason)
		}
		t.FailNow()
	}
	return &openAPICheck{t: t, validator: v, seen: make(map[string]bool)}
}

// do sends the request to server, validates it and its reply, checks the
// status, and returns the reply body.
func (c *openAPICheck) do(server *httptest.Server, method, path, token, body string, wantStatus int) []byte {
	c.t.Helper()
	req := c.request(server, method, path, token, body)
	resp, err := server.Client().Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read reply to %s %s: %v", method, path, err)
	}
	if resp.StatusCode != wantStatus {
		c.t.Fatalf("%s %s: got %d (%s), want %d", method, path, resp.StatusCode, data, wantStatus)
	}
	c.validate(c.request(server, method, path, token, body), resp, data)
	return data
}

// stream opens an event stream, validates its opening reply and closes it.
func (c *openAPICheck) stream(server *httptest.Server, token string) {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := c.request(server, http.MethodGet, "/api/v1/inbox/events", token, "").WithContext(ctx)
	resp, err := server.Client().Do(req)
	if err != nil {
		c.t.Fatalf("open events: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		c.t.Fatalf("events: got %d %q, want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	c.validate(c.request(server, http.MethodGet, "/api/v1/inbox/events", token, ""), resp, []byte("retry: 2000\n\n"))
}

func (c *openAPICheck) request(server *httptest.Server, method, path, token, body string) *http.Request {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, server.URL+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func (c *openAPICheck) validate(req *http.Request, resp *http.Response, body []byte) {
	c.t.Helper()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.Request = req
	// A request meant to be refused may break the document's rules for
	// requests; only the reply is checked then.
	validate := c.validator.ValidateHttpRequestResponse
	if resp.StatusCode/100 == 4 {
		validate = c.validator.ValidateHttpResponse
	}
	ok, errs := validate(req, resp)
	if !ok {
		for _, e := range errs {
			c.t.Errorf("%s %s -> %d: %s: %s", req.Method, req.URL.Path, resp.StatusCode, e.Message, e.Reason)
			for _, s := range e.SchemaValidationErrors {
				c.t.Errorf("  schema: %s at %s", s.Reason, s.FieldPath)
			}
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if resp.Header.Get("Retry-After") == "" {
			c.t.Errorf("%s %s -> %d without Retry-After", req.Method, req.URL.Path, resp.StatusCode)
		}
	}
	pattern := routePattern(req.URL.Path)
	c.seen[req.Method+" "+pattern] = true
	c.seen[req.Method+" "+pattern+" "+statusClass(resp.StatusCode)] = true
}

// routePattern maps a request path to the route pattern of the document.
func routePattern(path string) string {
	parts := strings.Split(path, "/")
	if len(parts) >= 6 && parts[4] == "messages" {
		parts[5] = "{id}"
		if len(parts) == 8 && parts[6] == "attachments" {
			parts[7] = "{index}"
		}
	}
	return strings.Join(parts, "/")
}

func statusClass(status int) string {
	if status/100 == 2 {
		return "success"
	}
	return "error"
}

func TestOpenAPI_EveryRouteMatchesTheDocument(t *testing.T) {
	h := newAPIHarness(t)
	c := newOpenAPICheck(t)
	s := h.server
	id := h.deliver(messageWithAttachment([]byte("attached bytes"), 10))
	other := h.deliver(rawMessage("second"))

	c.do(s, http.MethodGet, "/healthz", "", "", http.StatusOK)
	c.do(s, http.MethodGet, "/readyz", "", "", http.StatusOK)
	c.do(s, http.MethodGet, "/api/v1/openapi.json", "", "", http.StatusOK)
	c.do(s, http.MethodGet, "/api/v1/domains", "", "", http.StatusOK)
	c.do(s, http.MethodPost, "/api/v1/inboxes", "", `{"prefix":"qa","ttl":"1h"}`, http.StatusCreated)
	c.do(s, http.MethodPost, "/api/v1/inboxes", "", "", http.StatusCreated)
	c.do(s, http.MethodPost, "/api/v1/inboxes", "", `{"ttl":"forever"}`, http.StatusBadRequest)
	c.do(s, http.MethodPost, "/api/v1/inboxes", "", `{"domain":"elsewhere.test"}`, http.StatusBadRequest)
	c.do(s, http.MethodPost, "/api/v1/inboxes", "", `{"prefix":"no spaces"}`, http.StatusBadRequest)

	tok := h.token
	c.do(s, http.MethodGet, "/api/v1/inbox", tok, "", http.StatusOK)
	c.do(s, http.MethodPost, "/api/v1/inbox/extend", tok, `{"ttl":"2h"}`, http.StatusOK)
	c.do(s, http.MethodPost, "/api/v1/inbox/extend", tok, `{"ttl":"soon"}`, http.StatusBadRequest)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages", tok, "", http.StatusOK)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages?after="+id+"&from=a&subject=second&wait=1s", tok, "", http.StatusOK)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages?wait=2h", tok, "", http.StatusBadRequest)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages/"+id, tok, "", http.StatusOK)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages/"+id+"?remote_content=allow", tok, "", http.StatusOK)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages/"+id+"?remote_content=maybe", tok, "", http.StatusBadRequest)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages/ffff", tok, "", http.StatusNotFound)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages/"+id+"/raw", tok, "", http.StatusOK)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages/ffff/raw", tok, "", http.StatusNotFound)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages/"+id+"/attachments/0", tok, "", http.StatusOK)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages/"+id+"/attachments/7", tok, "", http.StatusNotFound)
	c.do(s, http.MethodGet, "/api/v1/inbox/messages/"+id+"/attachments/x", tok, "", http.StatusBadRequest)
	c.stream(s, tok)
	for range api.DefaultMaxStreamsPerInbox {
		openEvents(t, h, "")
	}
	c.do(s, http.MethodGet, "/api/v1/inbox/events", tok, "", http.StatusTooManyRequests)

	// Every inbox route refuses a bad token the same way.
	for _, route := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/inbox", ""},
		{http.MethodDelete, "/api/v1/inbox", ""},
		{http.MethodPost, "/api/v1/inbox/extend", `{"ttl":"1h"}`},
		{http.MethodGet, "/api/v1/inbox/events", ""},
		{http.MethodGet, "/api/v1/inbox/messages", ""},
		{http.MethodGet, "/api/v1/inbox/messages/" + id, ""},
		{http.MethodDelete, "/api/v1/inbox/messages/" + id, ""},
		{http.MethodGet, "/api/v1/inbox/messages/" + id + "/raw", ""},
		{http.MethodGet, "/api/v1/inbox/messages/" + id + "/attachments/0", ""},
	} {
		c.do(s, route.method, route.path, "not-a-token", route.body, http.StatusUnauthorized)
	}

	c.do(s, http.MethodDelete, "/api/v1/inbox/messages/"+other, tok, "", http.StatusNoContent)
	c.do(s, http.MethodDelete, "/api/v1/inbox/messages/"+other, tok, "", http.StatusNotFound)
	c.do(s, http.MethodDelete, "/api/v1/inbox", tok, "", http.StatusNoContent)

	// An edge that is draining or not ready replies 503 with Retry-After.
	unready := httptest.NewServer(api.New(api.Config{
		OwnerCode: "k3", DefaultTTL: time.Minute, MaxTTL: time.Hour, Logger: h.logger(),
		Ready: func() bool { return false }, Draining: func() bool { return true },
	}, h.svc, testDomains{"mayfly.test"}))
	defer unready.Close()
	c.do(unready, http.MethodGet, "/readyz", "", "", http.StatusServiceUnavailable)
	c.do(unready, http.MethodPost, "/api/v1/inboxes", "", "", http.StatusServiceUnavailable)

	checkCoverage(t, c.seen)
}

// checkCoverage fails for every route of the router that the test did not
// send a request to, and for every inbox route without both a success and
// an error reply checked.
func checkCoverage(t *testing.T, seen map[string]bool) {
	t.Helper()
	routes, ok := api.New(api.Config{}, nil, nil).(chi.Routes)
	if !ok {
		t.Fatal("the API handler is not a chi router")
	}
	var missing []string
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.TrimSuffix(route, "/")
		if !seen[method+" "+route] {
			missing = append(missing, method+" "+route)
		}
		if strings.HasPrefix(route, "/api/v1/inbox") {
			for _, class := range []string{"success", "error"} {
				if !seen[method+" "+route+" "+class] {
					missing = append(missing, method+" "+route+" ("+class+")")
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no reply checked against the document for %s", m)
	}
}
