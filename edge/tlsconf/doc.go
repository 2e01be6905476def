// Package tlsconf builds the TLS configuration of the edge's public HTTPS
// listener: TLS 1.3 only, with the certificate either read from PEM files
// (and read again when they change) or obtained and renewed over ACME
// (RFC 8555) through certmagic, which solves the TLS-ALPN-01 challenge
// (RFC 8737) on the listener itself.
package tlsconf
