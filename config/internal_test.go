package config

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate_InternalListenerKeys(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(e *Edge)
		wantKey string // "" means valid
	}{
		{"defaults", func(*Edge) {}, ""},
		{"https URL with a pair", func(e *Edge) {
			e.InternalURL = "https://edge1.internal:8081"
			e.InternalTLSCert, e.InternalTLSKey = "cert.pem", "key.pem"
		}, ""},
		{"CA alone", func(e *Edge) { e.InternalTLSCA = "ca.pem" }, ""},
		{"relative URL", func(e *Edge) { e.InternalURL = "edge1:8081" }, "edge.internal_url"},
		{"ftp URL", func(e *Edge) { e.InternalURL = "ftp://edge1:8081" }, "edge.internal_url"},
		{"cert without key", func(e *Edge) { e.InternalTLSCert = "cert.pem" }, "edge.internal_tls_cert"},
		{"key without cert", func(e *Edge) { e.InternalTLSKey = "key.pem" }, "edge.internal_tls_cert"},
		{"http URL with TLS", func(e *Edge) {
			e.InternalURL = "http://edge1.internal:8081"
			e.InternalTLSCert, e.InternalTLSKey = "cert.pem", "key.pem"
		}, "edge.internal_url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			tc.edit(&cfg.Edge)
			err := cfg.Validate()
			if tc.wantKey == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.wantKey) {
				t.Errorf("got %v, want an invalid-configuration error naming %s", err, tc.wantKey)
			}
		})
	}
}

func TestLoad_InternalTLSFromEnvironment(t *testing.T) {
	t.Setenv("MAYFLY_EDGE_INTERNAL_TLS_CERT", "/etc/mayfly/internal.crt")
	t.Setenv("MAYFLY_EDGE_INTERNAL_TLS_KEY", "/etc/mayfly/internal.key")
	t.Setenv("MAYFLY_EDGE_INTERNAL_TLS_CA", "/etc/mayfly/ca.crt")
	cfg, err := Load(Source{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	got := []string{cfg.Edge.InternalTLSCert, cfg.Edge.InternalTLSKey, cfg.Edge.InternalTLSCA}
	want := []string{"/etc/mayfly/internal.crt", "/etc/mayfly/internal.key", "/etc/mayfly/ca.crt"}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("key %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
