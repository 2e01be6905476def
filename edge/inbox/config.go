package inbox

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// minTTL is the shortest lifetime an inbox can be given, and the shortest
// epoch window.
const minTTL = time.Second

// maxEpochWindow bounds how long data of an expired inbox stays under a
// live epoch key.
const maxEpochWindow = 24 * time.Hour

// Config configures a Service.
type Config struct {
	// DataDir is the directory of the node key, the epoch keys and the
	// inbox store. It is created with mode 0700 if missing.
	DataDir string
	// OwnerCode is this edge's two-character code, carried in every token.
	OwnerCode string
	// DefaultTTL is the lifetime of an inbox created with a TTL of 0. It is
	// 10m when zero.
	DefaultTTL time.Duration
	// MaxTTL is the longest lifetime of an inbox, from creation or from an
	// extension. It is 168h when zero.
	MaxTTL time.Duration
	// SweepInterval is the time between two sweeps in Run. It is 1s when
	// zero.
	SweepInterval time.Duration
	// EpochWindow is the span of expiry times whose records share one
	// epoch key. A key is destroyed when its window has passed, so deleted
	// data stays under a live key for at most about one window after the
	// inbox expires. It is 1h when zero.
	EpochWindow time.Duration
	// Logger receives the service's logs. Nil discards them.
	Logger *slog.Logger
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// OnSweep, when set, is called after each sweep of Run with the
	// inboxes it deleted, the time it took and its error, for metrics.
	OnSweep func(deleted int, elapsed time.Duration, err error)
}

// setDefaults fills the zero fields.
func (c *Config) setDefaults() {
	if c.DefaultTTL == 0 {
		c.DefaultTTL = 10 * time.Minute
	}
	if c.MaxTTL == 0 {
		c.MaxTTL = 168 * time.Hour
	}
	if c.SweepInterval == 0 {
		c.SweepInterval = time.Second
	}
	if c.EpochWindow == 0 {
		c.EpochWindow = seal.DefaultEpochWindow
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate returns an error naming each field that is invalid after the
// defaults are applied.
func (c Config) Validate() error {
	c.setDefaults()
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data directory is missing"))
	}
	if err := seal.CheckOwnerCode(c.OwnerCode); err != nil {
		errs = append(errs, fmt.Errorf("owner code: %w", err))
	}
	if c.MaxTTL < minTTL {
		errs = append(errs, fmt.Errorf("max TTL %v is shorter than %v", c.MaxTTL, minTTL))
	}
	if c.DefaultTTL < minTTL || c.DefaultTTL > c.MaxTTL {
		errs = append(errs, fmt.Errorf("default TTL %v is outside [%v, max TTL %v]", c.DefaultTTL, minTTL, c.MaxTTL))
	}
	if c.EpochWindow < minTTL || c.EpochWindow > maxEpochWindow {
		errs = append(errs, fmt.Errorf("epoch window %v is outside [%v, %v]", c.EpochWindow, minTTL, maxEpochWindow))
	}
	if c.SweepInterval < 0 {
		errs = append(errs, fmt.Errorf("sweep interval %v is negative", c.SweepInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid inbox config: %w", err)
	}
	return nil
}
