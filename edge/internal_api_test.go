package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

func (e *testEdge) internalURL() string { return "http://" + e.InternalAddr().String() }

// asState returns the directory entry other edges use to reach e.
func (e *testEdge) asState() state.Edge {
	return state.Edge{ID: e.opts.NodeID, OwnerCode: e.ownCode(), InternalURL: e.internalURL()}
}

func TestInternalAPI_ClusterToken(t *testing.T) {
	cp := startControlPlane(t)
	e := startEdge(t, testEdgeConfig(cp), "edge-a")
	hc := (&clientAddrs{}).httpClient()
	created := createInbox(t, hc, e)
	check := []byte(`{"address": "` + created.Address + `"}`)

	cases := []struct {
		name, method, path, clusterToken, userToken string
		body                                        []byte
		want                                        int
	}{
		{"health without token", http.MethodGet, "/healthz", "", "", nil, http.StatusOK},
		{"ready without token", http.MethodGet, "/readyz", "", "", nil, http.StatusOK},
		{"check without token", http.MethodPost, recipientCheckPath, "", "", check, http.StatusUnauthorized},
		{"check with wrong token", http.MethodPost, recipientCheckPath, "wrong-token", "", check, http.StatusUnauthorized},
		{"check with token", http.MethodPost, recipientCheckPath, testClusterToken, "", check, http.StatusOK},
		{"inbox route without cluster token", http.MethodGet, "/api/v1/inbox", "", created.Token, nil, http.StatusUnauthorized},
		{"inbox route with both tokens", http.MethodGet, "/api/v1/inbox", testClusterToken, created.Token, nil, http.StatusOK},
		{"inbox route with a wrong user token", http.MethodGet, "/api/v1/inbox", testClusterToken, "not-a-token", nil, http.StatusUnauthorized},
		{"create route is not served", http.MethodPost, "/api/v1/inboxes", testClusterToken, "", nil, http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.internalURL()+tc.path, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.clusterToken != "" {
				req.Header.Set(clusterTokenHeader, tc.clusterToken)
			}
			if tc.userToken != "" {
				req.Header.Set("Authorization", "Bearer "+tc.userToken)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.want {
				body, _ := io.ReadAll(resp.Body)
				t.Errorf("got %d %s, want %d", resp.StatusCode, body, tc.want)
			}
		})
	}
}

func TestOwnerClient_CheckRecipient(t *testing.T) {
	cp := startControlPlane(t)
	e := startEdge(t, testEdgeConfig(cp), "edge-a")
	hc := (&clientAddrs{}).httpClient()
	created := createInbox(t, hc, e)
	client := newOwnerClient(nil, testClusterToken)
	defer client.close()

	cases := []struct {
		name, address string
		want          bool
	}{
		{"live inbox", created.Address, true},
		{"sub-address of a live inbox", strings.Replace(created.Address, "@", "+tag@", 1), true},
		{"no inbox", "nobody." + localPart(created.Address) + "@" + testDomain, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := client.checkRecipient(context.Background(), e.asState(), tc.address)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestInternalAPI_DeliveryNeedsWholeBody checks that the owner stores a
// forwarded message only when the body ended with a matching size trailer.
func TestInternalAPI_DeliveryNeedsWholeBody(t *testing.T) {
	cp := startControlPlane(t)
	e := startEdge(t, testEdgeConfig(cp), "edge-a")
	hc := (&clientAddrs{}).httpClient()
	created := createInbox(t, hc, e)
	raw := testMessage(created.Address, "Subject-Partial", "Body")
	env := deliveryEnvelope{From: "sender@example.test", ReceivedAt: time.Now(), Recipients: []deliveryRecipient{{Address: created.Address, Original: created.Address}}}

	cases := []struct {
		name    string
		trailer string // "" sends none
		want    int
	}{
		{"no trailer", "", http.StatusBadRequest},
		{"short size", "10", http.StatusBadRequest},
		{"size not a number", "many", http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status := postDelivery(t, hc, e, env, raw, tc.trailer)
			if status != tc.want {
				t.Errorf("got %d, want %d", status, tc.want)
			}
		})
	}
	if n := len(listMessages(t, hc, e, created.Token)); n != 0 {
		t.Fatalf("got %d messages after incomplete deliveries, want 0", n)
	}

	t.Run("aborted by the sending edge", func(t *testing.T) {
		client := newOwnerClient(nil, testClusterToken)
		defer client.close()
		part, err := client.beginRemote(context.Background(), e.asState(), env)
		if err != nil {
			t.Fatal(err)
		}
		part.write(raw[:len(raw)/2])
		part.abort()
		if part.err == nil {
			t.Errorf("got no error from an aborted delivery, want one")
		}
	})
	t.Run("whole body", func(t *testing.T) {
		client := newOwnerClient(nil, testClusterToken)
		defer client.close()
		part, err := client.beginRemote(context.Background(), e.asState(), env)
		if err != nil {
			t.Fatal(err)
		}
		part.write(raw)
		stored, err := part.finish(context.Background())
		if err != nil || stored != 1 {
			t.Errorf("got %d copies, error %v; want 1 copy", stored, err)
		}
	})
	if n := len(listMessages(t, hc, e, created.Token)); n != 1 {
		t.Errorf("got %d messages, want only the whole one", n)
	}
}

// postDelivery sends a chunked delivery body with the given size trailer
// and returns the reply status.
func postDelivery(t *testing.T, hc *http.Client, e *testEdge, env deliveryEnvelope, raw []byte, trailer string) int {
	t.Helper()
	line, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	body := io.MultiReader(bytes.NewReader(append(line, '\n')), bytes.NewReader(raw))
	req, err := http.NewRequest(http.MethodPost, e.internalURL()+deliveryPath, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set(clusterTokenHeader, testClusterToken)
	if trailer != "" {
		req.Trailer = http.Header{messageSizeTrailer: []string{trailer}}
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

// TestOwnerClient_FailuresAreUnavailable checks that every way an owner
// can fail a recipient check is ErrOwnerUnavailable, which the SMTP
// session turns into 451 4.3.0.
func TestOwnerClient_FailuresAreUnavailable(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		// Accept connections and never reply. The deferred closes run when
		// the listener closes and Accept fails.
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusInternalServerError, "internal", "the recipient could not be checked")
	}))
	defer failing.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	cases := []struct{ name, url string }{
		{"no reply in time", "http://" + silent.Addr().String()},
		{"server error", failing.URL},
		{"connection refused", closedURL},
		{"no internal URL", ""},
	}
	client := newOwnerClient(nil, testClusterToken)
	client.checkTimeout = 300 * time.Millisecond
	defer client.close()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			owner := state.Edge{ID: "edge-x", OwnerCode: "xy", InternalURL: tc.url}
			start := time.Now()
			_, err := client.checkRecipient(context.Background(), owner, "someone@"+testDomain)
			if !errors.Is(err, ErrOwnerUnavailable) {
				t.Errorf("got %v, want ErrOwnerUnavailable", err)
			}
			if err != nil && !strings.Contains(err.Error(), "edge-x") {
				t.Errorf("got %q, want the error to name edge-x", err)
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("took %v, want the check timeout to end it", elapsed)
			}
		})
	}
}
