package config

import (
	"strings"
	"testing"
)

func TestLoad_InvalidHTTPSValues(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"cert without key", map[string]string{"MAYFLY_EDGE_HTTP_TLS_CERT": "/etc/mayfly/cert.pem"},
			[]string{"edge.http_tls_cert", "edge.http_tls_key", "together"}},
		{"files and acme", map[string]string{
			"MAYFLY_EDGE_HTTP_TLS_CERT": "/etc/mayfly/cert.pem", "MAYFLY_EDGE_HTTP_TLS_KEY": "/etc/mayfly/key.pem",
			"MAYFLY_EDGE_ACME_DOMAINS": "mail.example.org"},
			[]string{"edge.acme_domains", "not both"}},
		{"acme domain not a name", map[string]string{"MAYFLY_EDGE_ACME_DOMAINS": "not a name"},
			[]string{"edge.acme_domains", "not a name"}},
		{"acme CA over http", map[string]string{"MAYFLY_EDGE_ACME_CA": "http://ca.example.org/dir"},
			[]string{"edge.acme_ca", "https://"}},
		{"negative rate", map[string]string{"MAYFLY_EDGE_RATE_CREATE": "-1"},
			[]string{"edge.rate_create", "from 0"}},
		{"huge burst", map[string]string{"MAYFLY_EDGE_RATE_API_BURST": "2000000"},
			[]string{"edge.rate_api_burst", "1000000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := Load(Source{})
			if err == nil {
				t.Fatalf("Load with %v succeeded, want an error", tc.env)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("got error %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestLoad_HTTPSSettings(t *testing.T) {
	t.Setenv("MAYFLY_EDGE_ACME_DOMAINS", "mail.example.org,mx.example.org")
	t.Setenv("MAYFLY_EDGE_ACME_CA", "https://127.0.0.1:14000/dir")
	t.Setenv("MAYFLY_EDGE_RATE_CREATE", "0")
	cfg, err := Load(Source{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := cfg.Edge.ACMEDomains; len(got) != 2 || got[0] != "mail.example.org" || got[1] != "mx.example.org" {
		t.Errorf("edge.acme_domains: got %q, want [mail.example.org mx.example.org]", got)
	}
	if cfg.Edge.RateCreate != 0 || cfg.Edge.RateAPI != 600 {
		t.Errorf("rates: got create %d, api %d, want 0 and the default 600", cfg.Edge.RateCreate, cfg.Edge.RateAPI)
	}
}
