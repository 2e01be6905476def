package main

import (
	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane"
)

// autopilotConfig maps the validated autopilot keys onto the node's
// settings.
func autopilotConfig(c config.Autopilot) controlplane.AutopilotConfig {
	return controlplane.AutopilotConfig{
		DeadServerTimeout:       c.DeadServerTimeout,
		KeepDeadServers:         !c.CleanupDeadServers,
		MinQuorum:               uint(c.MinQuorum),
		ServerStabilizationTime: c.ServerStabilizationTime,
		LastContactThreshold:    c.LastContactThreshold,
		MaxTrailingLogs:         uint64(c.MaxTrailingLogs),
	}
}
