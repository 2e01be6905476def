package smtpd

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCert writes a self-signed certificate for testHost and its key to
// dir and returns the file names and a pool that trusts the certificate.
func testCert(t testing.TB, dir, serial string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	number, _ := new(big.Int).SetString(serial, 10)
	tmpl := &x509.Certificate{
		SerialNumber: number,
		Subject:      pkix.Name{CommonName: testHost},
		DNSNames:     []string{testHost},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
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
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)

	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

func writePEM(t testing.TB, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startTLSServer runs a server with a fresh certificate.
func startTLSServer(t *testing.T, backend *fakeBackend) (*testServer, *x509.CertPool) {
	t.Helper()
	certFile, keyFile, roots := testCert(t, t.TempDir(), "1")
	return startServer(t, Config{TLSCertFile: certFile, TLSKeyFile: keyFile}, backend), roots
}

// upgrade sends STARTTLS and does the client's side of the handshake.
func (c *client) upgrade(cfg *tls.Config) error {
	c.t.Helper()
	c.expect("STARTTLS", 220)
	tlsConn := tls.Client(c.conn, cfg)
	_ = tlsConn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tlsConn.Handshake(); err != nil {
		return err
	}
	c.conn, c.r = tlsConn, bufio.NewReader(tlsConn)
	return nil
}

func TestSTARTTLS_DeliversOverTLS(t *testing.T) {
	srv, roots := startTLSServer(t, newFakeBackend("bob@example.test"))
	c, _ := dial(t, srv.addr)
	ehlo := c.expect("EHLO client.example.test", 250)
	if !strings.Contains(ehlo.String(), "250-STARTTLS") {
		t.Fatalf("EHLO reply %v lacks STARTTLS", ehlo)
	}

	if err := c.upgrade(&tls.Config{RootCAs: roots, ServerName: testHost}); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	ehlo = c.expect("EHLO client.example.test", 250)
	if strings.Contains(ehlo.String(), "STARTTLS") {
		t.Errorf("EHLO reply over TLS %v offers STARTTLS again", ehlo)
	}
	if strings.Contains(ehlo.String(), "AUTH") {
		t.Errorf("EHLO reply over TLS %v offers AUTH, want none", ehlo)
	}
	c.expect("AUTH PLAIN AHVzZXIAcGFzcw==", 502)
	c.expect("STARTTLS", 503)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	if r := c.sendData([]byte(simpleMessage)); r.Code != 250 {
		t.Fatalf("end of data: got %v, want 250", r)
	}
	if n := len(srv.backend.messages()); n != 1 {
		t.Errorf("stored %d messages, want 1", n)
	}
}

func TestSTARTTLS_DiscardsPipelinedPlaintext(t *testing.T) {
	srv, roots := startTLSServer(t, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)

	// Commands behind STARTTLS in the same packet were sent in plaintext:
	// an attacker on the path could have added them.
	c.write([]byte("STARTTLS\r\nMAIL FROM:<mallory@example.test>\r\nRCPT TO:<bob@example.test>\r\n"))
	if r := c.reply(); r.Code != 220 {
		t.Fatalf("STARTTLS: got %v, want 220", r)
	}
	tlsConn := tls.Client(c.conn, &tls.Config{RootCAs: roots, ServerName: testHost})
	_ = tlsConn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tlsConn.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c.conn, c.r = tlsConn, bufio.NewReader(tlsConn)

	c.expect("EHLO client.example.test", 250)
	c.expect("RCPT TO:<bob@example.test>", 503) // no MAIL survived
	c.expect("DATA", 503)
	if n := len(srv.backend.checkedAddresses()); n != 0 {
		t.Errorf("backend checked %d recipients, want none", n)
	}
}

func TestSTARTTLS_ForgetsEnvelopeAndWantsEHLO(t *testing.T) {
	srv, roots := startTLSServer(t, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	if err := c.upgrade(&tls.Config{RootCAs: roots, ServerName: testHost}); err != nil {
		t.Fatalf("handshake: %v", err)
	}

	c.expect("MAIL FROM:<alice@sender.example.test>", 503)
	c.expect("DATA", 503)
	c.expect("EHLO client.example.test", 250)
	c.expect("DATA", 503) // the plaintext envelope is gone
}

func TestSTARTTLS_RequiresTLS12(t *testing.T) {
	srv, roots := startTLSServer(t, newFakeBackend())
	c := dialReady(t, srv.addr)
	err := c.upgrade(&tls.Config{RootCAs: roots, ServerName: testHost, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	if err == nil {
		t.Fatal("handshake with TLS 1.1 succeeded, want it refused")
	}
	if !c.closed() {
		t.Error("connection still open after the failed handshake")
	}
}

func TestSTARTTLS_NotOfferedWithoutCertificate(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend())
	c := dialReady(t, srv.addr)
	c.expect("STARTTLS", 502)
	c.expect("NOOP", 250)
}

func TestSTARTTLS_RejectsArguments(t *testing.T) {
	srv, _ := startTLSServer(t, newFakeBackend())
	c := dialReady(t, srv.addr)
	c.expect("STARTTLS now", 501)
	c.expect("NOOP", 250)
}

func TestCertLoader_ReloadsChangedFiles(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := testCert(t, dir, "1")
	loader := &certLoader{certFile: certFile, keyFile: keyFile, logger: slog.New(slog.DiscardHandler)}

	first, err := loader.certificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	testCert(t, dir, "2")
	later := time.Now().Add(time.Minute)
	for _, f := range []string{certFile, keyFile} {
		if err := os.Chtimes(f, later, later); err != nil {
			t.Fatal(err)
		}
	}
	second, err := loader.certificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	if serial := second.Leaf.SerialNumber.String(); serial != "2" || first == second {
		t.Errorf("after the files changed: got certificate %s, want the new one (2)", serial)
	}

	// A broken file keeps the certificate that works.
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(keyFile, later.Add(time.Minute), later.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	third, err := loader.certificate(nil)
	if err != nil || third != second {
		t.Errorf("with a broken key file: got %v, %v; want the previous certificate", third, err)
	}
}
