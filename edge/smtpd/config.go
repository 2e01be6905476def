package smtpd

import (
	"log/slog"
	"time"
)

// Config sets the server's name, limits and TLS. Zero values take the
// defaults below.
type Config struct {
	// Hostname is the name in the 220 banner and the EHLO reply. The
	// domainless recipient <Postmaster> is postmaster at this name.
	Hostname string
	// MaxMessageSize is advertised with SIZE and enforced on MAIL SIZE=,
	// DATA and BDAT with 552 5.3.4 (default 25 MiB).
	MaxMessageSize int64
	// MaxRecipients is per transaction; past it RCPT gets 452 4.5.3
	// (default 100, the minimum of RFC 5321 §4.5.3.1.8).
	MaxRecipients int
	// MaxLineLength bounds a command line and a line of message content,
	// without its CRLF; a longer line gets 500 5.5.6 (default 64 KiB).
	MaxLineLength int
	// MaxConnections and MaxConnectionsPerClient bound the open
	// connections in total and from one client, an IPv4 address or an
	// IPv6 /64; a connection past either gets 421 4.7.0 (defaults 1000
	// and 50).
	MaxConnections          int
	MaxConnectionsPerClient int
	// MaxErrors is how many error replies a session gets before the
	// server closes it with 421 4.7.0 (default 20).
	MaxErrors int
	// CommandTimeout is how long the server waits for a complete command
	// line, DataTimeout how long it waits for the next bytes of message
	// content and WriteTimeout how long a reply may take to send
	// (defaults 5, 5 and 1 minutes).
	CommandTimeout time.Duration
	DataTimeout    time.Duration
	WriteTimeout   time.Duration
	// TLSCertFile and TLSKeyFile are the PEM certificate chain and key
	// that STARTTLS uses. STARTTLS is offered only when both are set.
	TLSCertFile string
	TLSKeyFile  string
	// ClientKeyRotation is how often the salt of the per-client
	// connection count is replaced (default 1 hour).
	ClientKeyRotation time.Duration
	Logger            *slog.Logger
}

// withDefaults fills in the zero values.
func (c Config) withDefaults() Config {
	setDefault(&c.MaxMessageSize, 25<<20)
	setDefault(&c.MaxRecipients, 100)
	setDefault(&c.MaxLineLength, 64<<10)
	setDefault(&c.MaxConnections, 1000)
	setDefault(&c.MaxConnectionsPerClient, 50)
	setDefault(&c.MaxErrors, 20)
	setDefault(&c.CommandTimeout, 5*time.Minute)
	setDefault(&c.DataTimeout, 5*time.Minute)
	setDefault(&c.WriteTimeout, time.Minute)
	setDefault(&c.ClientKeyRotation, time.Hour)
	if c.Hostname == "" {
		c.Hostname = "localhost"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
