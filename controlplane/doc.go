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
// and drain, and cluster status, peers, remove, transfer-leadership, snapshot and
// restore. The cluster token guards the routes that edges and other nodes
// call: register, heartbeat, the blocking directory query, a node's local
// status and its API URL announcement. Join takes either token. /healthz
// and /readyz need no token. Errors are JSON wire.Error bodies.
//
// Writes go through the leader. A follower forwards a write to the leader's
// API URL, which every node keeps in the replicated state (state.Members),
// with the caller's own Authorization header, and returns the leader's
// reply. A forwarded request is never forwarded again: a node that is not
// the leader answers it with 503 and the code "not_leader". A node with no
// current leader, because it is cut off from a quorum of voters or an
// election is under way, rejects a write or a consistent read with 503
// and the code "no_leader", and proposes nothing. Reads come from the
// local replica, and with ?consistent=true from the leader after it
// confirms its leadership.
//
// The leader also runs the edge liveness loop: it marks an edge unhealthy
// when its last heartbeat is older than Config.EdgeTimeout, and DNS leaves
// unhealthy edges out of MX. The edge's next heartbeat makes it healthy
// again.
package controlplane
