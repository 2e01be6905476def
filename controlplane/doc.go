// Package controlplane runs one control-plane node: a hashicorp/raft member
// whose state machine (package controlplane/fsm) holds the domain pool, the
// edge directory and the DNS settings, and the HTTP API that operators and
// edges use.
//
// On disk, under Config.DataDir, raft/raft.db is the raft-boltdb log and
// stable store and raft/snapshots holds the two newest file snapshots.
//
// The HTTP API, under /v1, takes two bearer tokens. The operator token
// guards the admin routes: domains list, add, show and retire, edges list
// and cluster status. The cluster token guards the routes that edges call:
// register, heartbeat and the blocking directory query. /healthz and
// /readyz need no token. Errors are JSON wire.Error bodies.
//
// Writes go through the leader. A follower rejects a write with 503 and
// the code "not_leader", because forwarding writes to the leader is not
// built yet. Reads come from the local replica.
package controlplane
