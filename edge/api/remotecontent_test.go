package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

func TestGetMessage_RemoteContentParameter(t *testing.T) {
	h := newAPIHarness(t)
	id := h.deliver([]byte("From: sender@example.test\r\nSubject: news\r\nContent-Type: text/html\r\n\r\n" +
		`<p>news</p><img src="https://images.example.net/banner.png" alt="banner">` + "\r\n"))

	tests := []struct {
		name       string
		query      string
		wantStatus int
		wantRemote bool
	}{
		{"without the parameter", "", http.StatusOK, false},
		{"allowed", "?remote_content=allow", http.StatusOK, true},
		{"empty value", "?remote_content=", http.StatusOK, false},
		{"invalid value", "?remote_content=yes", http.StatusBadRequest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.get("/api/v1/inbox/messages/" + id + tt.query)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK {
				var e apitypes.Error
				if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Code != "invalid_query" {
					t.Errorf("got error %+v (%v), want code invalid_query", e, err)
				}
				return
			}
			var m apitypes.Message
			if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
				t.Fatalf("decode message: %v", err)
			}
			if got := strings.Contains(m.HTML, "https://images.example.net/banner.png"); got != tt.wantRemote {
				t.Errorf("HTML %q keeps the remote image: got %t, want %t", m.HTML, got, tt.wantRemote)
			}
		})
	}
}
