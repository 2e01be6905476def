package edge

import (
	"log"
	"log/slog"
	"regexp"
	"strings"
)

// ipAddress matches IPv4 and bracketed IPv6 addresses with an optional
// port, as net/http formats a client's address into its error messages
// ("http: TLS handshake error from 192.0.2.1:5555").
var ipAddress = regexp.MustCompile(`\[[0-9A-Fa-f:.%]+\](:\d+)?|\b(\d{1,3}\.){3}\d{1,3}(:\d+)?\b`)

// redactingLogger returns a standard logger for net/http's ErrorLog that
// writes into logger at warn level with every IP address replaced, so that
// no client address reaches the logs.
func redactingLogger(logger *slog.Logger) *log.Logger {
	return log.New(redactingWriter{logger}, "", 0)
}

type redactingWriter struct{ logger *slog.Logger }

func (w redactingWriter) Write(p []byte) (int, error) {
	msg := ipAddress.ReplaceAllString(strings.TrimRight(string(p), "\n"), "[address]")
	w.logger.Warn("http server error", "error", msg)
	return len(p), nil
}
