package edge

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/tlsconf/tlstest"
)

// clientFrom returns an HTTP client whose connections leave from localIP
// (a loopback address such as 127.0.0.2) and are recorded in addrs. With
// roots set it speaks TLS 1.3 only, trusting roots.
func clientFrom(localIP string, addrs *clientAddrs, roots *x509.CertPool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err == nil {
				addrs.add(conn.LocalAddr())
			}
			return conn, err
		},
	}
	if roots != nil {
		transport.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS13}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: transport}
}

// wantSecurityHeaders lists the headers every public reply carries.
var wantSecurityHeaders = map[string]string{
	"Content-Security-Policy":      "default-src 'none'; frame-ancestors 'none'",
	"Referrer-Policy":              "no-referrer",
	"X-Content-Type-Options":       "nosniff",
	"Cache-Control":                "no-store",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
}

func checkSecurityHeaders(t *testing.T, h http.Header, overTLS bool) {
	t.Helper()
	for name, want := range wantSecurityHeaders {
		if got := h.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("%s: got %q, want [%q]", name, got, want)
		}
	}
	for _, feature := range []string{"camera=()", "microphone=()", "geolocation=()", "interest-cohort=()", "browsing-topics=()"} {
		if got := h.Get("Permissions-Policy"); !strings.Contains(got, feature) {
			t.Errorf("Permissions-Policy: got %q, want it to contain %s", got, feature)
		}
	}
	if got := h.Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("Set-Cookie: got %q, want none", got)
	}
	hsts := h.Get("Strict-Transport-Security")
	if overTLS && !strings.HasPrefix(hsts, "max-age=") {
		t.Errorf("Strict-Transport-Security: got %q over TLS, want max-age", hsts)
	}
	if !overTLS && hsts != "" {
		t.Errorf("Strict-Transport-Security: got %q over plain HTTP, want none", hsts)
	}
}

func TestPublicHeaders_EveryRoute(t *testing.T) {
	cp := startControlPlane(t)
	cfg := testEdgeConfig(cp)
	cfg.RateCreate, cfg.RateCreateBurst = 1, 3
	e := startEdge(t, cfg, "edge-a")
	hc := clientFrom("127.0.0.1", &clientAddrs{}, nil)
	token := createInbox(t, hc, e).Token
	base := e.baseURL()

	cases := []struct {
		name         string
		method, path string
		token, body  string
		wantStatus   int
	}{
		{"healthz", http.MethodGet, "/healthz", "", "", http.StatusOK},
		{"readyz", http.MethodGet, "/readyz", "", "", http.StatusOK},
		{"domains", http.MethodGet, "/api/v1/domains", "", "", http.StatusOK},
		{"create", http.MethodPost, "/api/v1/inboxes", "", "", http.StatusCreated},
		{"create with a bad body", http.MethodPost, "/api/v1/inboxes", "", "{", http.StatusBadRequest},
		{"inbox", http.MethodGet, "/api/v1/inbox", token, "", http.StatusOK},
		{"extend", http.MethodPost, "/api/v1/inbox/extend", token, `{"ttl": "20m"}`, http.StatusOK},
		{"messages", http.MethodGet, "/api/v1/inbox/messages", token, "", http.StatusOK},
		{"unknown message", http.MethodGet, "/api/v1/inbox/messages/m0000000000000000", token, "", http.StatusNotFound},
		{"raw of an unknown message", http.MethodGet, "/api/v1/inbox/messages/m0000000000000000/raw", token, "", http.StatusNotFound},
		{"attachment of an unknown message", http.MethodGet, "/api/v1/inbox/messages/m0000000000000000/attachments/0", token, "", http.StatusNotFound},
		{"inbox without a token", http.MethodGet, "/api/v1/inbox", "", "", http.StatusUnauthorized},
		{"unknown route", http.MethodGet, "/nowhere", "", "", http.StatusNotFound},
		{"metrics are not public", http.MethodGet, "/metrics", "", "", http.StatusNotFound},
		{"wrong method", http.MethodPut, "/api/v1/domains", "", "", http.StatusMethodNotAllowed},
		{"over the create limit", http.MethodPost, "/api/v1/inboxes", "", "", http.StatusTooManyRequests},
		{"delete inbox", http.MethodDelete, "/api/v1/inbox", token, "", http.StatusNoContent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reply := call(t, hc, tc.method, base+tc.path, tc.token, []byte(tc.body))
			if reply.status != tc.wantStatus {
				t.Fatalf("got status %d (%s), want %d", reply.status, reply.body, tc.wantStatus)
			}
			checkSecurityHeaders(t, reply.header, false)
		})
	}
}

func TestPublicHTTPS_TLS13Only(t *testing.T) {
	pki := tlstest.NewPKI(t)
	cp := startControlPlane(t)
	cfg := testEdgeConfig(cp)
	cfg.HTTPTLSCert, cfg.HTTPTLSKey = pki.CertFile, pki.KeyFile
	e := startEdge(t, cfg, "edge-a")
	addr := e.HTTPAddr().String()

	t.Run("TLS 1.2 client is rejected", func(t *testing.T) {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pki.Pool, ServerName: "localhost", MaxVersion: tls.VersionTLS12})
		if err == nil {
			version := conn.ConnectionState().Version
			_ = conn.Close()
			t.Fatalf("got a %s handshake, want it rejected", tls.VersionName(version))
		}
	})
	t.Run("TLS 1.3 client is served", func(t *testing.T) {
		hc := clientFrom("127.0.0.1", &clientAddrs{}, pki.Pool)
		reply := call(t, hc, http.MethodGet, "https://localhost:"+portOf(addr)+"/api/v1/domains", "", nil)
		if reply.status != http.StatusOK {
			t.Fatalf("got status %d, want 200", reply.status)
		}
		checkSecurityHeaders(t, reply.header, true)
	})
	t.Run("plain HTTP gets no API reply", func(t *testing.T) {
		resp, err := http.Get("http://" + addr + "/api/v1/domains")
		if err == nil {
			defer resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Errorf("got 200 over plain HTTP, want the TLS listener to reject it")
			}
		}
	})
}

func TestPublicHTTPS_ACME(t *testing.T) {
	pebble := tlstest.StartPebble(t)
	cp := startControlPlane(t)
	cfg := testEdgeConfig(cp)
	const name = "edge-a.mayfly.test"
	cfg.ACMEDomains = []string{name}
	cfg.ACMEEmail = "operator@mayfly.test"
	cfg.ACMECA = pebble.Directory
	cfg.ACMECARoot = pebble.CAFile
	e := startEdge(t, cfg, "edge-a")

	addr := e.HTTPAddr().String()
	var state tls.ConnectionState
	waitUntil(t, 60*time.Second, "a certificate from the ACME server", func() bool {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pebble.IssuerRoots, ServerName: name, MinVersion: tls.VersionTLS13})
		if err != nil {
			return false
		}
		state = conn.ConnectionState()
		_ = conn.Close()
		return true
	})
	if state.Version != tls.VersionTLS13 {
		t.Errorf("got %s, want TLS 1.3", tls.VersionName(state.Version))
	}
	if got := state.PeerCertificates[0].DNSNames; len(got) != 1 || got[0] != name {
		t.Errorf("got certificate names %v, want [%s]", got, name)
	}

	// The API replies under the name, over the address of the listener.
	hc := clientFrom("127.0.0.1", &clientAddrs{}, pebble.IssuerRoots)
	hc.Transport.(*http.Transport).TLSClientConfig.ServerName = name
	reply := call(t, hc, http.MethodGet, "https://"+addr+"/api/v1/domains", "", nil)
	if reply.status != http.StatusOK {
		t.Fatalf("got status %d, want 200", reply.status)
	}
	checkSecurityHeaders(t, reply.header, true)
}

func TestRateLimit_PerClient(t *testing.T) {
	cp := startControlPlane(t)
	cfg := testEdgeConfig(cp)
	cfg.RateCreate, cfg.RateCreateBurst = 2, 2
	e := startEdge(t, cfg, "edge-a")
	addrs := &clientAddrs{}
	first := clientFrom("127.0.0.1", addrs, nil)
	second := clientFrom("127.0.0.2", addrs, nil)
	url := e.baseURL() + "/api/v1/inboxes"

	for i := range 2 {
		if got := call(t, first, http.MethodPost, url, "", nil).status; got != http.StatusCreated {
			t.Fatalf("create %d: got %d, want 201 within the burst", i+1, got)
		}
	}
	limited := call(t, first, http.MethodPost, url, "", nil)
	if limited.status != http.StatusTooManyRequests {
		t.Fatalf("create 3: got %d, want 429", limited.status)
	}
	if got := limited.header.Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After: got %q, want 30 at 2 per minute", got)
	}
	if !strings.Contains(string(limited.body), `"code":"rate_limited"`) {
		t.Errorf("got body %s, want code rate_limited", limited.body)
	}
	if got := call(t, second, http.MethodPost, url, "", nil).status; got != http.StatusCreated {
		t.Errorf("create from another client: got %d, want 201", got)
	}
	if got := call(t, first, http.MethodGet, e.baseURL()+"/api/v1/domains", "", nil).status; got != http.StatusOK {
		t.Errorf("other route of the limited client: got %d, want 200 under its own limit", got)
	}

	logs := e.logs.String()
	if strings.Contains(logs, "127.0.0.2") {
		t.Error("the log contains the second client's address")
	}
	for _, addr := range addrs.all() {
		if strings.Contains(logs, addr) {
			t.Errorf("the log contains the client address %s", addr)
		}
	}
}

func TestMetrics_InternalOnly(t *testing.T) {
	cp := startControlPlane(t)
	cfg := testEdgeConfig(cp)
	cfg.RateCreate, cfg.RateCreateBurst = 1, 1
	e := startEdge(t, cfg, "edge-a")
	addrs := &clientAddrs{}
	hc := clientFrom("127.0.0.1", addrs, nil)
	created := createInbox(t, hc, e)
	call(t, hc, http.MethodPost, e.baseURL()+"/api/v1/inboxes", "", nil)
	call(t, hc, http.MethodGet, e.baseURL()+"/api/v1/inbox/messages/m0123456789abcdef", created.Token, nil)
	raw := testMessage(created.Address, "Subject-Metrics", "Body-Metrics")
	session := dialSMTP(t, e, addrs)
	if code, msg := session.deliver("sender@example.test", []string{created.Address}, raw); code != 250 {
		t.Fatalf("end of DATA: got %d %s, want 250", code, msg)
	}
	session.expect("MAIL FROM:<sender@example.test>", 250)
	session.expect("RCPT TO:<nobody@"+testDomain+">", 550)

	if got := call(t, hc, http.MethodGet, e.baseURL()+"/metrics", "", nil).status; got != http.StatusNotFound {
		t.Errorf("public /metrics: got %d, want 404", got)
	}
	reply := call(t, hc, http.MethodGet, "http://"+e.InternalAddr().String()+"/metrics", "", nil)
	if reply.status != http.StatusOK {
		t.Fatalf("internal /metrics: got %d, want 200", reply.status)
	}
	body := string(reply.body)
	for _, want := range []string{
		`mayfly_edge_inboxes_created_total 1`,
		`mayfly_edge_http_rate_limited_total{class="create"} 1`,
		`mayfly_edge_http_requests_total{method="POST",route="/api/v1/inboxes",status_class="2xx"} 1`,
		`mayfly_edge_http_requests_total{method="GET",route="/api/v1/inbox/messages/{id}",status_class="4xx"} 1`,
		`mayfly_edge_smtp_recipients_total{outcome="accepted"} 1`,
		`mayfly_edge_smtp_recipients_total{outcome="rejected"} 1`,
		`mayfly_edge_smtp_messages_total{outcome="stored"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics: want a line %s", want)
		}
	}
	checkLabelsClean(t, e.Node, created.Token, created.Address)
}

// checkLabelsClean fails when a label value of the node's metrics looks
// like an IP address, a token, a mail address or an id, or contains one
// of secrets.
func checkLabelsClean(t *testing.T, n *Node, secrets ...string) {
	t.Helper()
	families, err := n.metrics.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	suspicious := []*regexp.Regexp{
		regexp.MustCompile(`\d{1,3}(\.\d{1,3}){3}`),                   // IPv4
		regexp.MustCompile(`[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,}`), // IPv6
		regexp.MustCompile(`@`),                                       // mail address
		regexp.MustCompile(`[A-Za-z0-9_-]{20,}`),                      // token or key
		regexp.MustCompile(`[0-9a-f]{8,}`),                            // hex id
	}
	labels := 0
	for _, family := range families {
		for _, metric := range family.GetMetric() {
			for _, label := range metric.GetLabel() {
				labels++
				value := label.GetValue()
				if label.GetName() == "route" && value != "unmatched" && !routePattern.MatchString(value) {
					t.Errorf("%s{route=%q}: want a route pattern of literal words and {parameters}", family.GetName(), value)
				}
				for _, re := range suspicious {
					if re.MatchString(value) {
						t.Errorf("%s{%s=%q}: the value matches %s", family.GetName(), label.GetName(), value, re)
					}
				}
				for _, secret := range secrets {
					if strings.Contains(value, secret) {
						t.Errorf("%s{%s=%q}: the value contains a secret", family.GetName(), label.GetName(), value)
					}
				}
			}
		}
	}
	if labels == 0 {
		t.Error("got no label at all, want the HTTP and SMTP metrics")
	}
}

// routePattern matches a route pattern whose segments are words, the API
// version or {parameters}, never a value taken from a request.
var routePattern = regexp.MustCompile(`^(/([a-z]+|v[0-9]+|\{[a-z]+\}|\*))+$`)

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}
