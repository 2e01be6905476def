package tlsconf

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// FromFiles returns a TLS 1.3 server configuration whose certificate comes
// from PEM files. It reads them once now, so that a wrong pair fails at
// start-up, and again in a handshake after either file changed, so that a
// renewed certificate takes effect without a restart.
func FromFiles(certFile, keyFile string, logger *slog.Logger) (*tls.Config, error) {
	loader := &fileLoader{certFile: certFile, keyFile: keyFile, logger: logger}
	if _, err := loader.load(); err != nil {
		return nil, err
	}
	return &tls.Config{MinVersion: tls.VersionTLS13, GetCertificate: loader.certificate}, nil
}

// fileLoader serves a certificate from PEM files and reloads it when
// either file's modification time changes. It is safe for concurrent use.
type fileLoader struct {
	certFile, keyFile string
	logger            *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	certMod time.Time
	keyMod  time.Time
}

// certificate is the tls.Config's GetCertificate. When a reload fails,
// for example while the files are half written, it keeps serving the
// certificate it has.
func (l *fileLoader) certificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	cert, err := l.load()
	if err != nil && cert != nil {
		l.logger.Warn("reload https certificate failed, serving the previous one", "error", err)
		return cert, nil
	}
	return cert, err
}

// load returns the certificate, reading the files again when they
// changed since the last read. On error it returns the previous
// certificate, nil before the first success, with the error.
func (l *fileLoader) load() (*tls.Certificate, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	certMod, keyMod, err := modTimes(l.certFile, l.keyFile)
	if err != nil {
		return l.cert, err
	}
	if l.cert != nil && certMod.Equal(l.certMod) && keyMod.Equal(l.keyMod) {
		return l.cert, nil
	}

	pair, err := tls.LoadX509KeyPair(l.certFile, l.keyFile)
	if err != nil {
		return l.cert, fmt.Errorf("load https certificate %s and key %s: %w", l.certFile, l.keyFile, err)
	}
	if l.cert != nil {
		l.logger.Info("https certificate reloaded", "cert_file", l.certFile)
	}
	l.cert, l.certMod, l.keyMod = &pair, certMod, keyMod
	return l.cert, nil
}

func modTimes(certFile, keyFile string) (certMod, keyMod time.Time, err error) {
	certInfo, err := os.Stat(certFile)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("stat https certificate: %w", err)
	}
	keyInfo, err := os.Stat(keyFile)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("stat https key: %w", err)
	}
	return certInfo.ModTime(), keyInfo.ModTime(), nil
}
