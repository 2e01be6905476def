package config

import (
	"crypto/tls"
	"fmt"
	"time"
)

// validateEdgeSMTP checks the limits of the inbound SMTP server and that
// its TLS files, when set, hold a certificate and its key.
func (c *Config) validateEdgeSMTP() error {
	e := c.Edge
	if e.SMTPMaxLineLength < 1000 || e.SMTPMaxLineLength > MiB {
		return invalid("edge.smtp_max_line_length", e.SMTPMaxLineLength, "want a size from 1000 (the RFC 5321 limit) to 1MiB")
	}
	if e.SMTPMaxConnections < 1 || e.SMTPMaxConnections > 100_000 {
		return invalid("edge.smtp_max_connections", e.SMTPMaxConnections, "want a number from 1 to 100000")
	}
	if e.SMTPMaxConnectionsPerClient < 1 || e.SMTPMaxConnectionsPerClient > e.SMTPMaxConnections {
		return invalid("edge.smtp_max_connections_per_client", e.SMTPMaxConnectionsPerClient,
			fmt.Sprintf("want a number from 1 to edge.smtp_max_connections (%d)", e.SMTPMaxConnections))
	}
	if e.SMTPMaxErrors < 1 || e.SMTPMaxErrors > 1000 {
		return invalid("edge.smtp_max_errors", e.SMTPMaxErrors, "want a number from 1 to 1000")
	}
	if err := checkDuration("edge.smtp_command_timeout", e.SMTPCommandTimeout, time.Second, time.Hour); err != nil {
		return err
	}
	if err := checkDuration("edge.smtp_data_timeout", e.SMTPDataTimeout, time.Second, time.Hour); err != nil {
		return err
	}
	return checkSMTPTLS(e.SMTPTLSCert, e.SMTPTLSKey)
}

// checkSMTPTLS loads the certificate and key once, so that a wrong path
// or a key that does not match stops start-up instead of every handshake.
func checkSMTPTLS(certFile, keyFile string) error {
	if (certFile == "") != (keyFile == "") {
		return invalid("edge.smtp_tls_cert", certFile, "set edge.smtp_tls_cert and edge.smtp_tls_key together, or neither")
	}
	if certFile == "" {
		return nil
	}
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		return invalid("edge.smtp_tls_cert", certFile, fmt.Sprintf("want PEM files of a certificate and its key (edge.smtp_tls_key = %q): %v", keyFile, err))
	}
	return nil
}
