package tlsconf_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/tlsconf"
	"github.com/mayfly-mail/mayfly/edge/tlsconf/tlstest"
)

// serveTLS serves a "hello" handler with tc on a loopback port and returns
// the address.
func serveTLS(t *testing.T, tc *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") }),
		TLSConfig:         tc,
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// handshake dials addr with TLS versions from minVersion to maxVersion
// and returns the connection state.
func handshake(addr, serverName string, roots *x509.CertPool, minVersion, maxVersion uint16) (tls.ConnectionState, error) {
	dialer := &tls.Dialer{
		NetDialer: &net.Dialer{Timeout: 5 * time.Second},
		Config:    &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: minVersion, MaxVersion: maxVersion},
	}
	conn, err := dialer.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState(), nil
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestFromFiles_TLS13Only(t *testing.T) {
	pki := tlstest.NewPKI(t)
	tc, err := tlsconf.FromFiles(pki.CertFile, pki.KeyFile, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, tc)

	cases := []struct {
		name     string
		min, max uint16
		wantOK   bool
	}{
		{"TLS 1.2 only is rejected", tls.VersionTLS12, tls.VersionTLS12, false},
		{"TLS 1.3 is served", tls.VersionTLS13, tls.VersionTLS13, true},
		{"TLS 1.2 or 1.3 gets 1.3", tls.VersionTLS12, tls.VersionTLS13, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state, err := handshake(addr, "localhost", pki.Pool, tc.min, tc.max)
			if !tc.wantOK {
				if err == nil {
					t.Fatalf("got a %s handshake, want it rejected", tls.VersionName(state.Version))
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want a handshake", err)
			}
			if state.Version != tls.VersionTLS13 {
				t.Errorf("got %s, want TLS 1.3", tls.VersionName(state.Version))
			}
		})
	}
}

func TestFromFiles_ReloadsOnChange(t *testing.T) {
	first, second := tlstest.NewPKI(t), tlstest.NewPKI(t)
	tc, err := tlsconf.FromFiles(first.CertFile, first.KeyFile, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, tc)
	if _, err := handshake(addr, "localhost", first.Pool, tls.VersionTLS13, tls.VersionTLS13); err != nil {
		t.Fatalf("first certificate: got %v, want a handshake", err)
	}

	// Replace the files and push their times forward, since a file system
	// may store modification times coarsely.
	later := time.Now().Add(time.Minute)
	for src, dst := range map[string]string{second.CertFile: first.CertFile, second.KeyFile: first.KeyFile} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(dst, later, later); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := handshake(addr, "localhost", second.Pool, tls.VersionTLS13, tls.VersionTLS13); err != nil {
		t.Errorf("after the change: got %v, want the new certificate", err)
	}
}

func TestFromFiles_InvalidPair(t *testing.T) {
	pki := tlstest.NewPKI(t)
	if _, err := tlsconf.FromFiles(pki.CertFile, pki.CAFile, quietLogger()); err == nil {
		t.Error("got no error for a certificate as the key, want one")
	}
	if _, err := tlsconf.FromFiles(pki.CertFile, "/nonexistent/key.pem", quietLogger()); err == nil {
		t.Error("got no error for a missing key, want one")
	}
}

func TestACME_ObtainsFromPebble(t *testing.T) {
	pebble := tlstest.StartPebble(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const name = "edge.mayfly.test"
	acme, err := tlsconf.NewACME(tlsconf.ACMEConfig{
		Domains:    []string{name},
		Email:      "operator@mayfly.test",
		CA:         pebble.Directory,
		CARoot:     pebble.CAFile,
		StorageDir: t.TempDir(),
		ListenAddr: ln.Addr().String(),
		Logger:     slog.New(slog.NewTextHandler(tWriter{t}, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(acme.Stop)
	srv := &http.Server{Handler: http.NotFoundHandler(), TLSConfig: acme.TLSConfig(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := acme.Start(ctx); err != nil {
		t.Fatal(err)
	}

	state := waitHandshake(t, ln.Addr().String(), name, pebble.IssuerRoots)
	if state.Version != tls.VersionTLS13 {
		t.Errorf("got %s, want TLS 1.3", tls.VersionName(state.Version))
	}
	if got := state.PeerCertificates[0].DNSNames; len(got) != 1 || got[0] != name {
		t.Errorf("got certificate names %v, want [%s]", got, name)
	}
	if _, err := handshake(ln.Addr().String(), name, pebble.IssuerRoots, tls.VersionTLS12, tls.VersionTLS12); err == nil {
		t.Error("got a TLS 1.2 handshake, want it rejected")
	}
}

// waitHandshake polls until a TLS 1.3 handshake with a certificate for
// name that roots trust succeeds.
func waitHandshake(t *testing.T, addr, name string, roots *x509.CertPool) tls.ConnectionState {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		state, err := handshake(addr, name, roots, tls.VersionTLS13, tls.VersionTLS13)
		if err == nil {
			return state
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trusted certificate for %s within 60s: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
