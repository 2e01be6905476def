package controlplane

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

func TestAPI_Domains(t *testing.T) {
	n := startLeader(t)

	var added wire.DomainsResponse
	callJSON(t, n, "POST", "/v1/domains", testOperatorToken,
		wire.AddDomainsRequest{Names: []string{"Mayfly.Test", "mayfly-mail.test"}, Region: "local"}, http.StatusCreated, &added)
	if len(added.Domains) != 2 || added.Domains[0].Name != "mayfly.test" || added.Domains[0].Status != state.Active {
		t.Errorf("added: got %+v, want mayfly.test and mayfly-mail.test, active", added.Domains)
	}

	var list wire.DomainsResponse
	callJSON(t, n, "GET", "/v1/domains", testOperatorToken, nil, http.StatusOK, &list)
	if len(list.Domains) != 2 || list.Domains[0].Name != "mayfly-mail.test" {
		t.Errorf("list: got %+v, want 2 domains sorted by name", list.Domains)
	}

	var domain state.Domain
	callJSON(t, n, "GET", "/v1/domains/MAYFLY.test.", testOperatorToken, nil, http.StatusOK, &domain)
	if domain.Name != "mayfly.test" || domain.Serial != 1 {
		t.Errorf("show: got %+v, want mayfly.test at serial 1", domain)
	}

	var retired state.Domain
	callJSON(t, n, "POST", "/v1/domains/mayfly.test/retire", testOperatorToken,
		wire.RetireDomainRequest{Reason: "listed"}, http.StatusOK, &retired)
	if retired.Status != state.Retired || retired.Reason != "listed" {
		t.Errorf("retire: got %+v, want retired with reason listed", retired)
	}
}

func TestAPI_DomainErrors(t *testing.T) {
	n := startLeader(t)
	addDomains(t, n, "local", "mayfly.test")

	tests := []struct {
		name, method, path string
		body               any
		wantStatus         int
		wantCode           string
	}{
		{"invalid name", "POST", "/v1/domains", wire.AddDomainsRequest{Names: []string{"bad_name.test"}, Region: "local"}, 400, "invalid"},
		{"missing region", "POST", "/v1/domains", wire.AddDomainsRequest{Names: []string{"ok.test"}}, 400, "invalid"},
		{"unknown field", "POST", "/v1/domains", map[string]any{"names": []string{"ok.test"}, "region": "local", "zone": 1}, 400, "invalid"},
		{"no body", "POST", "/v1/domains", nil, 400, "invalid"},
		{"other region", "POST", "/v1/domains", wire.AddDomainsRequest{Names: []string{"mayfly.test"}, Region: "eu"}, 409, "domain_exists"},
		{"show unknown", "GET", "/v1/domains/absent.test", nil, 404, "domain_not_found"},
		{"retire unknown", "POST", "/v1/domains/absent.test/retire", nil, 404, "domain_not_found"},
		{"unknown route", "GET", "/v1/nothing", nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e wire.Error
			callJSON(t, n, tt.method, tt.path, testOperatorToken, tt.body, tt.wantStatus, &e)
			if e.Code != tt.wantCode || e.Error == "" {
				t.Errorf("error body: got %+v, want code %s and a message", e, tt.wantCode)
			}
		})
	}
}

func TestAPI_Auth(t *testing.T) {
	n := startLeader(t)
	routes := []struct {
		method, path string
		edge         bool
	}{
		{"GET", "/v1/domains", false},
		{"POST", "/v1/domains", false},
		{"GET", "/v1/domains/mayfly.test", false},
		{"POST", "/v1/domains/mayfly.test/retire", false},
		{"GET", "/v1/edges", false},
		{"GET", "/v1/cluster/status", false},
		{"POST", "/v1/edges/register", true},
		{"POST", "/v1/edges/edge-1/heartbeat", true},
		{"GET", "/v1/directory?region=local&wait=0s", true},
	}
	tokens := []struct {
		name, token  string
		opensAdmin   bool
		opensEdgeAPI bool
	}{
		{"missing", "", false, false},
		{"wrong", "not-a-token", false, false},
		{"operator", testOperatorToken, true, false},
		{"cluster", testClusterToken, false, true},
	}
	for _, r := range routes {
		for _, tok := range tokens {
			t.Run(r.method+" "+r.path+" with "+tok.name+" token", func(t *testing.T) {
				status, _ := call(t, n, r.method, r.path, tok.token, nil)
				wantOpen := tok.opensAdmin && !r.edge || tok.opensEdgeAPI && r.edge
				if gotOpen := status != http.StatusUnauthorized; gotOpen != wantOpen {
					t.Errorf("got status %d, want authorized %v", status, wantOpen)
				}
			})
		}
	}
}

func TestAPI_AuthRejectsOtherSchemes(t *testing.T) {
	n := startLeader(t)
	req, _ := http.NewRequest("GET", apiURL(n)+"/v1/domains", nil)
	req.Header.Set("Authorization", "Basic "+testOperatorToken)

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("got status %d with WWW-Authenticate %q, want 401 with a challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestAPI_EdgeRegistration(t *testing.T) {
	n := startLeader(t)
	register := func(id string) string {
		t.Helper()
		var got wire.EdgeRegistered
		reg := wire.EdgeRegistration{ID: id, Region: "local", MXHost: "mx." + id + ".test", Addrs: []string{"127.0.0.1"}, InternalURL: "http://127.0.0.1:8081"}
		callJSON(t, n, "POST", "/v1/edges/register", testClusterToken, reg, http.StatusOK, &got)
		return got.OwnerCode
	}

	codes := map[string]string{}
	for _, id := range []string{"edge-a", "edge-b", "edge-c"} {
		code := register(id)
		if other, dup := codes[code]; dup || len(code) != 2 {
			t.Fatalf("owner code of %s: got %q (also %q), want a unique two-character code", id, code, other)
		}
		codes[code] = id
	}
	if got, want := register("edge-b"), "ab"; got != want {
		t.Errorf("re-registration: got owner code %q, want %q", got, want)
	}

	var edges wire.EdgesResponse
	callJSON(t, n, "GET", "/v1/edges", testOperatorToken, nil, http.StatusOK, &edges)
	if len(edges.Edges) != 3 || edges.Edges[0].ID != "edge-a" {
		t.Errorf("edges: got %+v, want 3 sorted by id", edges.Edges)
	}

	callJSON(t, n, "POST", "/v1/edges/edge-a/heartbeat", testClusterToken, nil, http.StatusNoContent, nil)
	var e wire.Error
	callJSON(t, n, "POST", "/v1/edges/edge-z/heartbeat", testClusterToken, nil, http.StatusNotFound, &e)
	if e.Code != "edge_not_found" {
		t.Errorf("heartbeat of unknown edge: got code %q, want edge_not_found", e.Code)
	}
}

func TestAPI_HealthAndReadiness(t *testing.T) {
	leader := startLeader(t)
	cfg := testConfig(t, "lonely")
	cfg.Bootstrap = false
	lonely := openNode(t, cfg)

	tests := []struct {
		name       string
		node       *Node
		path       string
		wantStatus int
	}{
		{"healthz on leader", leader, "/healthz", 200},
		{"readyz on leader", leader, "/readyz", 200},
		{"healthz without cluster", lonely, "/healthz", 200},
		{"readyz without cluster", lonely, "/readyz", 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, tt.node, "GET", tt.path, "", nil)
			if status != tt.wantStatus {
				t.Errorf("got %d %s, want %d", status, body, tt.wantStatus)
			}
		})
	}
}

func TestAPI_RequestLogsHoldNoSecretsOrNames(t *testing.T) {
	cfg := testConfig(t, "node-1")
	logger, logs := newTestLogger(t)
	cfg.Logger = logger
	n := openNode(t, cfg)
	waitLeader(t, n)
	addDomains(t, n, "local", "secret-name.test")

	call(t, n, "GET", "/v1/domains/secret-name.test", testOperatorToken, nil)
	call(t, n, "POST", "/v1/edges/register", testClusterToken, wire.EdgeRegistration{ID: "edge-1"})

	out := logs.String()
	for _, secret := range []string{testOperatorToken, testClusterToken, "secret-name.test"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs: got %q in them, want it absent", secret)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `msg="http request"`) && strings.Contains(line, "127.0.0.1") {
			t.Errorf("request log: got %s, want no client address", line)
		}
	}
	if !strings.Contains(out, `route=/v1/domains/{name}`) || !strings.Contains(out, "request_id=") {
		t.Errorf("logs: got no request line with route pattern and request id, want one:\n%s", out)
	}
}
