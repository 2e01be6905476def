package tlsconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"

	"github.com/caddyserver/certmagic"
)

// LetsEncrypt is the ACME directory used when ACMEConfig.CA is empty.
const LetsEncrypt = certmagic.LetsEncryptProductionCA

// ACMEConfig is the configuration of ACME issuance.
type ACMEConfig struct {
	// Domains are the names to obtain certificates for.
	Domains []string
	// Email is the ACME account's contact; empty registers without one.
	Email string
	// CA is the ACME directory URL; empty means LetsEncrypt.
	CA string
	// CARoot is a PEM file of the root certificates that the ACME
	// directory's own HTTPS certificate chains to, for a private CA. Empty
	// means the system's roots.
	CARoot string
	// StorageDir holds the account, keys and certificates.
	StorageDir string
	// ListenAddr is the public HTTPS listener's address. The edge solves the
	// TLS-ALPN-01 challenge (RFC 8737) on it, so the CA must reach it on
	// port 443, directly or through a port forward.
	ListenAddr string
	Logger     *slog.Logger
}

// ACME obtains and renews certificates in the background. Stop it once the
// listener that uses its TLSConfig has closed.
type ACME struct {
	cfg   ACMEConfig
	cache *certmagic.Cache
	magic *certmagic.Config
}

// NewACME prepares certificate management for cfg. It obtains nothing
// until Start.
func NewACME(cfg ACMEConfig) (*ACME, error) {
	if len(cfg.Domains) == 0 {
		return nil, errors.New("acme: no domain to obtain a certificate for")
	}
	host, portText, err := net.SplitHostPort(cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("acme: listener address: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("acme: listener port: %w", err)
	}
	roots, err := loadRoots(cfg.CARoot)
	if err != nil {
		return nil, fmt.Errorf("acme: load edge.acme_ca_root: %w", err)
	}
	if cfg.CA == "" {
		cfg.CA = LetsEncrypt
	}

	a := &ACME{cfg: cfg}
	zl := newZapLogger(cfg.Logger)
	a.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return a.magic, nil },
		Logger:           zl,
	})
	a.magic = certmagic.New(a.cache, certmagic.Config{
		Storage: &certmagic.FileStorage{Path: cfg.StorageDir},
		Logger:  zl,
		// Stapling fetches from the CA's responder in the background;
		// clients that want OCSP ask the CA themselves.
		OCSP: certmagic.OCSPConfig{DisableStapling: true},
	})
	a.magic.Issuers = []certmagic.Issuer{certmagic.NewACMEIssuer(a.magic, certmagic.ACMEIssuer{
		CA:     cfg.CA,
		Email:  cfg.Email,
		Agreed: true,
		// Only TLS-ALPN-01, which the HTTPS listener itself solves, because the
		// edge serves no plain HTTP to the public once TLS is on.
		DisableHTTPChallenge: true,
		ListenHost:           host,
		AltTLSALPNPort:       port,
		TrustedRoots:         roots,
		Logger:               zl,
	})}
	return a, nil
}

// TLSConfig returns the listener's TLS 1.3 configuration, which serves the
// managed certificates and responds to TLS-ALPN-01 challenges.
func (a *ACME) TLSConfig() *tls.Config {
	tc := a.magic.TLSConfig()
	tc.MinVersion = tls.VersionTLS13
	tc.NextProtos = append([]string{"h2", "http/1.1"}, tc.NextProtos...)
	return tc
}

// Start loads the stored certificates and obtains or renews the others in
// the background, so that the listener can answer the challenges. Call
// it after the listener serves.
func (a *ACME) Start(ctx context.Context) error {
	if err := a.magic.ManageAsync(ctx, a.cfg.Domains); err != nil {
		return fmt.Errorf("acme: manage certificates for %v: %w", a.cfg.Domains, err)
	}
	return nil
}

// Stop ends the renewal loop.
func (a *ACME) Stop() { a.cache.Stop() }

// loadRoots returns the pool of a PEM file, or nil for the system's roots.
func loadRoots(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s: no PEM certificate found", path)
	}
	return pool, nil
}
