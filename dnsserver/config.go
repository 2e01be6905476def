package dnsserver

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// ErrInvalidConfig is returned by New when the configuration cannot work.
// The wrapping error names the field.
var ErrInvalidConfig = errors.New("invalid dns server config")

// Config configures a Server.
type Config struct {
	// Addr is the host:port to listen on for both UDP and TCP. Port 0 picks
	// a free port, the same one for both.
	Addr string
	// Logger receives start, stop and error events. Nil discards them.
	Logger *slog.Logger
	// Source returns the latest published state. It is called for every
	// query that reaches the zone lookup, so it must be cheap and safe for
	// concurrent use. A nil state means no zones yet, and every query is
	// refused.
	Source func() *state.State
}

// validate returns an error wrapping ErrInvalidConfig for the first field
// that is missing.
func (c Config) validate() error {
	if c.Addr == "" {
		return fmt.Errorf("%w: listen address is empty", ErrInvalidConfig)
	}
	if c.Source == nil {
		return fmt.Errorf("%w: state source is nil", ErrInvalidConfig)
	}
	return nil
}
