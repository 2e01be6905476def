package config

import "time"

// Autopilot tunes how the control-plane leader keeps the Raft
// configuration: new nodes join as non-voters and get a vote after
// ServerStabilizationTime, and nodes that stop answering are removed
// after DeadServerTimeout, never below MinQuorum voters.
type Autopilot struct {
	// CleanupDeadServers removes nodes that stopped answering.
	CleanupDeadServers bool `mapstructure:"cleanup_dead_servers"`
	// DeadServerTimeout is how long a node may fail the leader's status
	// probes before it counts as failed. A node down for longer must be
	// started with --join to come back.
	DeadServerTimeout time.Duration `mapstructure:"dead_server_timeout"`
	// MinQuorum is the number of voters below which no dead voter is
	// removed.
	MinQuorum int `mapstructure:"min_quorum"`
	// ServerStabilizationTime is how long a new node must stay healthy
	// before it becomes a voter.
	ServerStabilizationTime time.Duration `mapstructure:"server_stabilization_time"`
	// LastContactThreshold is the longest a healthy node may go without
	// hearing from the leader.
	LastContactThreshold time.Duration `mapstructure:"last_contact_threshold"`
	// MaxTrailingLogs is how many log entries a healthy node may trail
	// the leader by.
	MaxTrailingLogs int `mapstructure:"max_trailing_logs"`
}

// RaftLog tunes Raft's snapshots and log compaction.
type RaftLog struct {
	// SnapshotThreshold is how many entries must be committed since the
	// last snapshot before Raft takes a new one.
	SnapshotThreshold int `mapstructure:"snapshot_threshold"`
	// SnapshotInterval is how often Raft checks the threshold.
	SnapshotInterval time.Duration `mapstructure:"snapshot_interval"`
	// TrailingLogs is how many entries Raft keeps in the log after a
	// snapshot, so that a follower that trails by fewer catches up from
	// the log.
	TrailingLogs int `mapstructure:"trailing_logs"`
}

// defaultAutopilot and defaultRaftLog are the values of Default, the same
// as Consul's autopilot (but for the dead server timeout) and Raft's own.
var (
	defaultAutopilot = Autopilot{
		CleanupDeadServers:      true,
		DeadServerTimeout:       5 * time.Minute,
		MinQuorum:               3,
		ServerStabilizationTime: 10 * time.Second,
		LastContactThreshold:    time.Second,
		MaxTrailingLogs:         250,
	}
	defaultRaftLog = RaftLog{
		SnapshotThreshold: 8192,
		SnapshotInterval:  2 * time.Minute,
		TrailingLogs:      10240,
	}
)

func (c *Config) validateRaftTuning() error {
	ap, rl := c.Control.Autopilot, c.Control.Raft
	durations := []struct {
		key    string
		d      time.Duration
		lo, hi time.Duration
	}{
		{"control.autopilot.dead_server_timeout", ap.DeadServerTimeout, time.Second, 30 * 24 * time.Hour},
		{"control.autopilot.server_stabilization_time", ap.ServerStabilizationTime, 100 * time.Millisecond, time.Hour},
		{"control.autopilot.last_contact_threshold", ap.LastContactThreshold, 10 * time.Millisecond, time.Minute},
		{"control.raft.snapshot_interval", rl.SnapshotInterval, time.Second, 24 * time.Hour},
	}
	for _, d := range durations {
		if err := checkDuration(d.key, d.d, d.lo, d.hi); err != nil {
			return err
		}
	}
	numbers := []struct {
		key string
		n   int
	}{
		{"control.autopilot.min_quorum", ap.MinQuorum},
		{"control.autopilot.max_trailing_logs", ap.MaxTrailingLogs},
		{"control.raft.snapshot_threshold", rl.SnapshotThreshold},
		{"control.raft.trailing_logs", rl.TrailingLogs},
	}
	for _, n := range numbers {
		if n.n < 1 {
			return invalid(n.key, n.n, "want a whole number of at least 1")
		}
	}
	return nil
}
