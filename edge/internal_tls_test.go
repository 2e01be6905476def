package edge

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/config"
)

// testPKI writes a CA certificate and a certificate with its key for
// 127.0.0.1, signed by that CA, and returns their paths.
func testPKI(t *testing.T) (caFile, certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mayfly test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "edge.internal.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}

	caFile = writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", caDER)
	certFile = writePEM(t, filepath.Join(dir, "cert.pem"), "CERTIFICATE", der)
	keyFile = writePEM(t, filepath.Join(dir, "key.pem"), "EC PRIVATE KEY", keyDER)
	return caFile, certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) string {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestInternalTLS_RoutesOverTLS runs two edges whose internal listeners
// speak TLS and checks that mail and API requests still reach the owner.
func TestInternalTLS_RoutesOverTLS(t *testing.T) {
	caFile, certFile, keyFile := testPKI(t)
	cp := startControlPlane(t)
	tlsConfig := func() config.Edge {
		cfg := testEdgeConfig(cp)
		cfg.InternalTLSCert, cfg.InternalTLSKey, cfg.InternalTLSCA = certFile, keyFile, caFile
		return cfg
	}
	a := startEdge(t, tlsConfig(), "edge-a")
	b := startEdge(t, tlsConfig(), "edge-b")
	b.waitKnows(t, a.ownCode())

	owner, _ := b.dir.EdgeByOwnerCode(a.ownCode())
	if !strings.HasPrefix(owner.InternalURL, "https://") {
		t.Fatalf("got internal URL %q, want an https URL", owner.InternalURL)
	}

	addrs := &clientAddrs{}
	hc := addrs.httpClient()
	onA := createInbox(t, hc, a)
	raw := testMessage(onA.Address, "Subject-TLS", "Body-TLS")
	if code, msg := dialSMTP(t, b, addrs).deliver("sender@example.test", []string{onA.Address}, raw); code != 250 {
		t.Fatalf("end of DATA: got %d %s, want 250", code, msg)
	}
	readBack(t, hc, b, onA.Token, "Subject-TLS", raw)

	t.Run("plain HTTP is rejected", func(t *testing.T) {
		reply := call(t, hc, http.MethodGet, "http://"+a.InternalAddr().String()+"/healthz", "", nil)
		if reply.status == http.StatusOK {
			t.Errorf("got 200 over plain HTTP, want the TLS listener to reject it")
		}
	})
}

func TestLoadInternalTLS_InvalidFiles(t *testing.T) {
	caFile, certFile, keyFile := testPKI(t)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	cases := []struct {
		name                string
		cert, key, ca, want string
	}{
		{"missing certificate", missing, keyFile, "", "edge.internal_tls_cert"},
		{"key of no certificate", certFile, caFile, "", "edge.internal_tls_cert"},
		{"missing CA", "", "", missing, "edge.internal_tls_ca"},
		{"CA file without a certificate", "", "", keyFile, "edge.internal_tls_ca"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadInternalTLS(config.Edge{InternalTLSCert: tc.cert, InternalTLSKey: tc.key, InternalTLSCA: tc.ca})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
