package controlplane

import (
	"fmt"
	"time"

	"github.com/mayfly-mail/mayfly/blocklist"
	"github.com/mayfly-mail/mayfly/controlplane/policy"
)

// Defaults of RotationConfig.
const (
	defaultRotationTick      = time.Second
	defaultCheckConcurrency  = 4
	defaultMaxChecksPerRound = 500
	defaultCheckTimeout      = 30 * time.Second
)

// RotationConfig configures the leader's blocklist checks and domain
// rotation.
type RotationConfig struct {
	// Checkers are the blocklists every active and standby domain is
	// checked against. Without any, no domain is checked, but top-ups,
	// the exposure age and the end of retiring still run.
	Checkers []blocklist.Checker
	Policy   policy.Config
	// Tick is how often the leader looks for due work; zero means 1s.
	Tick time.Duration
	// Concurrency bounds the checks in flight; zero means 4.
	Concurrency int
	// MaxChecksPerRound bounds the checks one tick starts, the most
	// overdue first; zero means 500.
	MaxChecksPerRound int
	// CheckTimeout bounds one check; zero means 30s.
	CheckTimeout time.Duration
}

func (c RotationConfig) withDefaults() RotationConfig {
	c.Policy = c.Policy.WithDefaults()
	if c.Tick == 0 {
		c.Tick = defaultRotationTick
	}
	if c.Concurrency == 0 {
		c.Concurrency = defaultCheckConcurrency
	}
	if c.MaxChecksPerRound == 0 {
		c.MaxChecksPerRound = defaultMaxChecksPerRound
	}
	if c.CheckTimeout == 0 {
		c.CheckTimeout = defaultCheckTimeout
	}
	return c
}

func (c RotationConfig) validate() error {
	if c.Tick < 0 || c.CheckTimeout < 0 || c.Concurrency < 0 || c.MaxChecksPerRound < 0 {
		return fmt.Errorf("invalid control-plane config: rotation tick, check timeout, concurrency and checks per round must not be negative")
	}
	names := map[string]bool{}
	for _, ch := range c.Checkers {
		if names[ch.Name()] {
			return fmt.Errorf("invalid control-plane config: blocklist %q is listed twice", ch.Name())
		}
		names[ch.Name()] = true
	}
	if err := c.Policy.Validate(); err != nil {
		return fmt.Errorf("invalid control-plane config: %w", err)
	}
	return nil
}
