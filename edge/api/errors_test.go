package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

// errorReply sends a request and returns the status, headers and decoded
// error body.
func (h *apiHarness) errorReply(method, path, body string) (int, http.Header, apitypes.Error) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.server.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := h.server.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var e apitypes.Error
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		h.t.Fatalf("%s %s: reply is not a JSON error: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, e
}

func TestErrors_NameTheProblemAndWhatIsAllowed(t *testing.T) {
	h := newAPIHarness(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
		mentions                 []string
	}{
		{"form body", http.MethodPost, "/api/v1/inboxes", "ttl=1h", 400, "invalid_request", []string{"JSON object", `"ttl"`}},
		{"misspelt field", http.MethodPost, "/api/v1/inboxes", `{"tll":"1h"}`, 400, "invalid_request", []string{`"tll"`, `"prefix"`}},
		{"wrong type", http.MethodPost, "/api/v1/inbox/extend", `{"ttl":5}`, 400, "invalid_request", []string{`"ttl"`, `{"ttl": "24h"}`}},
		{"two objects", http.MethodPost, "/api/v1/inbox/extend", `{"ttl":"1h"}{}`, 400, "invalid_request", []string{"single object"}},
		{"wait too long", http.MethodGet, "/api/v1/inbox/messages?wait=2m", "", 400, "invalid_query", []string{`"2m"`, "60s"}},
		{"malformed after", http.MethodGet, "/api/v1/inbox/messages?after=nonsense", "", 400, "invalid_query", []string{`"nonsense"`, "message from the listing"}},
		{"unknown route", http.MethodGet, "/api/v1/nothing", "", 404, "not_found", []string{"/api/v1/openapi.json"}},
		{"wrong method", http.MethodPut, "/api/v1/inboxes", "", 405, "method_not_allowed", []string{"PUT", "POST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, e := h.errorReply(tt.method, tt.path, tt.body)
			if status != tt.status || e.Code != tt.code {
				t.Fatalf("got %d %q (%s), want %d %q", status, e.Code, e.Error, tt.status, tt.code)
			}
			for _, m := range tt.mentions {
				if !strings.Contains(e.Error, m) {
					t.Errorf("message %q does not mention %s", e.Error, m)
				}
			}
		})
	}
}

func TestErrors_MethodNotAllowedNamesAllowedMethods(t *testing.T) {
	h := newAPIHarness(t)
	status, header, _ := h.errorReply(http.MethodPost, "/api/v1/inbox", "")
	if status != http.StatusMethodNotAllowed {
		t.Fatalf("got %d, want 405", status)
	}
	if got := header.Get("Allow"); got != "DELETE, GET" {
		t.Errorf("got Allow %q, want %q", got, "DELETE, GET")
	}
}
