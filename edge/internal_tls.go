package edge

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/mayfly-mail/mayfly/config"
)

// internalTLS holds the TLS settings of the internal API: the listener's
// (nil when it serves plain HTTP) and the client's, for calls to owners.
type internalTLS struct {
	server *tls.Config
	client *tls.Config
}

// loadInternalTLS reads the certificate, key and CA files that cfg names.
// Like every HTTPS listener of Mayfly, the internal one accepts TLS 1.3
// only.
func loadInternalTLS(cfg config.Edge) (internalTLS, error) {
	var out internalTLS
	if cfg.InternalTLSCert != "" {
		pair, err := tls.LoadX509KeyPair(cfg.InternalTLSCert, cfg.InternalTLSKey)
		if err != nil {
			return internalTLS{}, fmt.Errorf("load edge.internal_tls_cert and edge.internal_tls_key: %w", err)
		}
		out.server = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{pair}}
	}

	out.client = &tls.Config{MinVersion: tls.VersionTLS13}
	if cfg.InternalTLSCA != "" {
		pool, err := loadCertPool(cfg.InternalTLSCA)
		if err != nil {
			return internalTLS{}, fmt.Errorf("load edge.internal_tls_ca: %w", err)
		}
		out.client.RootCAs = pool
	}
	return out, nil
}

func loadCertPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, errors.New(path + ": no PEM certificate found")
	}
	return pool, nil
}
