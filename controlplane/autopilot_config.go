package controlplane

import (
	"fmt"
	"time"
)

// Autopilot defaults.
const (
	// DefaultDeadServerTimeout leaves a server that restarts, or is
	// upgraded, time to come back before the leader removes it.
	DefaultDeadServerTimeout = 5 * time.Minute
	// DefaultMinQuorum is the smallest cluster that survives the loss of
	// one voter.
	DefaultMinQuorum = 3
	// DefaultServerStabilizationTime is how long a new server must stay
	// healthy before it gets a vote, as in Consul's autopilot.
	DefaultServerStabilizationTime = 10 * time.Second
	// DefaultMaxTrailingLogs is how many entries a server may trail the
	// leader by and still count as healthy.
	DefaultMaxTrailingLogs = 250
	// defaultAutopilotInterval is how often the leader probes the servers
	// and reconciles the configuration.
	defaultAutopilotInterval = 2 * time.Second
)

// AutopilotConfig tunes the leader's upkeep of the Raft configuration. A
// server that joins as a voter is added as a non-voter first and promoted
// once it has been healthy for ServerStabilizationTime. A server that
// does not answer the leader's status probes for DeadServerTimeout is
// removed, one voter at a time and never below MinQuorum voters. Zero
// fields take the defaults.
type AutopilotConfig struct {
	// DeadServerTimeout is how long a server may fail every status probe
	// before the leader counts it as failed and removes it.
	DeadServerTimeout time.Duration
	// KeepDeadServers turns the removal of failed servers off.
	KeepDeadServers bool
	// MinQuorum is the number of voters below which no failed voter is
	// removed.
	MinQuorum uint
	// ServerStabilizationTime is how long a new server must stay healthy
	// before it is promoted to voter.
	ServerStabilizationTime time.Duration
	// LastContactThreshold is the longest time a healthy server may go
	// without contact from the leader. Zero means the Raft heartbeat
	// timeout, because a follower hears from the leader ten times in that
	// time.
	LastContactThreshold time.Duration
	// MaxTrailingLogs is how many entries a healthy server may trail the
	// leader's last index by.
	MaxTrailingLogs uint64
	// Interval is how often the leader probes the servers' status and
	// reconciles promotions and removals.
	Interval time.Duration
}

func (c AutopilotConfig) withDefaults(heartbeatTimeout time.Duration) AutopilotConfig {
	if c.DeadServerTimeout == 0 {
		c.DeadServerTimeout = DefaultDeadServerTimeout
	}
	if c.MinQuorum == 0 {
		c.MinQuorum = DefaultMinQuorum
	}
	if c.ServerStabilizationTime == 0 {
		c.ServerStabilizationTime = DefaultServerStabilizationTime
	}
	if c.LastContactThreshold == 0 {
		c.LastContactThreshold = heartbeatTimeout
	}
	if c.MaxTrailingLogs == 0 {
		c.MaxTrailingLogs = DefaultMaxTrailingLogs
	}
	if c.Interval == 0 {
		c.Interval = defaultAutopilotInterval
	}
	return c
}

func (c AutopilotConfig) validate() error {
	for name, d := range map[string]time.Duration{
		"autopilot dead server timeout":    c.DeadServerTimeout,
		"autopilot stabilization time":     c.ServerStabilizationTime,
		"autopilot last contact threshold": c.LastContactThreshold,
		"autopilot interval":               c.Interval,
	} {
		if d < 0 {
			return fmt.Errorf("invalid control-plane config: %s %s is negative", name, d)
		}
	}
	return nil
}
