package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoad_SMTPDefaults(t *testing.T) {
	cfg, err := Load(Source{})
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.Edge
	checks := []struct {
		name      string
		got, want any
	}{
		{"smtp_max_line_length", e.SMTPMaxLineLength, 64 * KiB},
		{"smtp_max_connections", e.SMTPMaxConnections, 1000},
		{"smtp_max_connections_per_client", e.SMTPMaxConnectionsPerClient, 50},
		{"smtp_max_errors", e.SMTPMaxErrors, 20},
		{"smtp_command_timeout", e.SMTPCommandTimeout, 5 * time.Minute},
		{"smtp_data_timeout", e.SMTPDataTimeout, 5 * time.Minute},
		{"smtp_tls_cert", e.SMTPTLSCert, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoad_SMTPFromEnvironment(t *testing.T) {
	t.Setenv("MAYFLY_EDGE_SMTP_MAX_LINE_LENGTH", "2KiB")
	t.Setenv("MAYFLY_EDGE_SMTP_DATA_TIMEOUT", "90s")
	t.Setenv("MAYFLY_EDGE_SMTP_MAX_CONNECTIONS_PER_CLIENT", "5")
	cfg, err := Load(Source{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Edge.SMTPMaxLineLength; got != 2*KiB {
		t.Errorf("smtp_max_line_length = %v, want 2KiB", got)
	}
	if got := cfg.Edge.SMTPDataTimeout; got != 90*time.Second {
		t.Errorf("smtp_data_timeout = %v, want 90s", got)
	}
	if got := cfg.Edge.SMTPMaxConnectionsPerClient; got != 5 {
		t.Errorf("smtp_max_connections_per_client = %d, want 5", got)
	}
}

func TestLoad_InvalidSMTPValues(t *testing.T) {
	cases := []struct {
		name, env, value string
		want             []string
	}{
		{"short lines", "MAYFLY_EDGE_SMTP_MAX_LINE_LENGTH", "999", []string{"edge.smtp_max_line_length", "999", "1000"}},
		{"no connections", "MAYFLY_EDGE_SMTP_MAX_CONNECTIONS", "0", []string{"edge.smtp_max_connections", "from 1"}},
		{"per client over total", "MAYFLY_EDGE_SMTP_MAX_CONNECTIONS_PER_CLIENT", "5000", []string{"edge.smtp_max_connections_per_client", "5000", "1000"}},
		{"errors", "MAYFLY_EDGE_SMTP_MAX_ERRORS", "0", []string{"edge.smtp_max_errors", "from 1 to 1000"}},
		{"command timeout", "MAYFLY_EDGE_SMTP_COMMAND_TIMEOUT", "10ms", []string{"edge.smtp_command_timeout", "10ms", "from 1s"}},
		{"data timeout", "MAYFLY_EDGE_SMTP_DATA_TIMEOUT", "2h", []string{"edge.smtp_data_timeout", "2h", "to 1h"}},
		{"cert without key", "MAYFLY_EDGE_SMTP_TLS_CERT", "/etc/mayfly/cert.pem", []string{"edge.smtp_tls_cert", "edge.smtp_tls_key", "together"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			_, err := Load(Source{})
			if err == nil {
				t.Fatalf("Load with %s=%q succeeded, want an error", tc.env, tc.value)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestLoad_SMTPTLSFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSMTPKeyPair(t, dir)

	t.Run("valid pair", func(t *testing.T) {
		t.Setenv("MAYFLY_EDGE_SMTP_TLS_CERT", certFile)
		t.Setenv("MAYFLY_EDGE_SMTP_TLS_KEY", keyFile)
		if _, err := Load(Source{}); err != nil {
			t.Errorf("Load: %v, want the pair accepted", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		missing := filepath.Join(dir, "absent.pem")
		t.Setenv("MAYFLY_EDGE_SMTP_TLS_CERT", missing)
		t.Setenv("MAYFLY_EDGE_SMTP_TLS_KEY", keyFile)
		_, err := Load(Source{})
		if err == nil || !strings.Contains(err.Error(), "edge.smtp_tls_cert") || !strings.Contains(err.Error(), missing) {
			t.Errorf("error = %v, want one naming edge.smtp_tls_cert and the file", err)
		}
	})
	t.Run("key of another certificate", func(t *testing.T) {
		_, otherKey := writeSMTPKeyPair(t, t.TempDir())
		t.Setenv("MAYFLY_EDGE_SMTP_TLS_CERT", certFile)
		t.Setenv("MAYFLY_EDGE_SMTP_TLS_KEY", otherKey)
		if _, err := Load(Source{}); err == nil {
			t.Error("Load with a key that does not match succeeded, want an error")
		}
	})
}

// writeSMTPKeyPair writes a self-signed certificate and its key as PEM.
func writeSMTPKeyPair(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx1.mayfly-ops.test"},
		DNSNames:     []string{"mx1.mayfly-ops.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for path, block := range map[string]*pem.Block{
		certFile: {Type: "CERTIFICATE", Bytes: der},
		keyFile:  {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}
