package smtpd

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// startTLS carries out STARTTLS (RFC 3207). It returns false when the
// server has no certificate, so that go-smtp replies that TLS is not
// supported. After the handshake the reader starts afresh on the TLS
// connection: input that the client pipelined behind STARTTLS was sent in
// plaintext and is discarded, and the client must send EHLO again.
func (c *conn) startTLS(arg string) bool {
	switch {
	case c.server.tls == nil:
		return false
	case c.tlsConn != nil:
		c.reply(replyTLSActive)
		return true
	case arg != "":
		c.reply(replyTLSArguments)
		return true
	}
	c.reply(replyTLSReady)

	tlsConn := tls.Server(c.raw, c.server.tls)
	_ = c.raw.SetDeadline(time.Now().Add(c.server.cfg.CommandTimeout))
	if err := tlsConn.Handshake(); err != nil {
		// The error text can name the client's address; the reason is
		// enough to tell a timeout from a client that gave up.
		c.logger.Info("tls handshake failed", "reason", handshakeFailure(err))
		c.broken = true
		return true
	}
	c.tlsConn = tlsConn
	c.reader = bufio.NewReader(tlsConn)
	c.needHello = true
	c.logger.Debug("tls started", "version", tls.VersionName(tlsConn.ConnectionState().Version))
	return true
}

func handshakeFailure(err error) string {
	var alert tls.AlertError
	var recordErr tls.RecordHeaderError
	switch {
	case isTimeout(err):
		return "timeout"
	case errors.As(err, &recordErr):
		return "not_tls"
	case errors.As(err, &alert):
		return "alert"
	default:
		return "failed"
	}
}

// newTLSConfig returns the TLS configuration of STARTTLS: TLS 1.2 or
// later, with the certificate read from the files.
func newTLSConfig(certFile, keyFile string, logger *slog.Logger) *tls.Config {
	loader := &certLoader{certFile: certFile, keyFile: keyFile, logger: logger}
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: loader.certificate}
}

// certLoader serves a certificate from PEM files and reads them again when
// either changes, so that a renewed certificate takes effect without a
// restart. It is safe for concurrent use.
type certLoader struct {
	certFile, keyFile string
	logger            *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	certMod time.Time
	keyMod  time.Time
}

// certificate returns the certificate, reloaded if a file changed. When a
// reload fails it keeps serving the certificate it has.
func (l *certLoader) certificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	l.mu.Lock()
	defer l.mu.Unlock()

	certMod, keyMod := modTime(l.certFile), modTime(l.keyFile)
	if l.cert != nil && certMod.Equal(l.certMod) && keyMod.Equal(l.keyMod) {
		return l.cert, nil
	}
	cert, err := tls.LoadX509KeyPair(l.certFile, l.keyFile)
	if err != nil {
		err = fmt.Errorf("load smtp tls certificate %s: %w", l.certFile, err)
		if l.cert == nil {
			l.logger.Error("no tls certificate for STARTTLS", "error", err)
			return nil, err
		}
		// Try again only when a file changes again.
		l.certMod, l.keyMod = certMod, keyMod
		l.logger.Warn("reload of the tls certificate failed, keeping the previous one", "error", err)
		return l.cert, nil
	}
	l.cert, l.certMod, l.keyMod = &cert, certMod, keyMod
	return l.cert, nil
}

func modTime(path string) time.Time {
	info, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return info.ModTime()
}
