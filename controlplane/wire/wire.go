// Package wire defines the JSON bodies of the control-plane HTTP API, shared
// by the server in package controlplane and the client in
// controlplane/client. Edges depend on this package and the client only,
// never on the control plane's internals.
package wire

import (
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// Error is the body of every non-2xx reply.
type Error struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// AddDomainsRequest is the body of POST /v1/domains.
type AddDomainsRequest struct {
	Names  []string `json:"names"`
	Region string   `json:"region"`
	// Standby adds the domains as standby instead of active.
	Standby bool `json:"standby"`
}

// RetireDomainRequest is the body of POST /v1/domains/{name}/retire.
type RetireDomainRequest struct {
	Reason string `json:"reason"`
	// Grace moves the domain to retiring instead: it keeps its MX, and
	// takes no new addresses, until its last inbox can have expired.
	Grace bool `json:"grace,omitempty"`
}

// DomainsResponse is the body of GET /v1/domains and POST /v1/domains.
type DomainsResponse struct {
	Domains []state.Domain `json:"domains"`
}

// EdgesResponse is the body of GET /v1/edges.
type EdgesResponse struct {
	Edges []state.Edge `json:"edges"`
}

// DrainRequest is the body of POST /v1/edges/{id}/drain, which replies
// with the edge's new state.Edge entry.
type DrainRequest struct {
	Draining bool `json:"draining"`
}

// EdgeRegistration is the body of POST /v1/edges/register. Registering
// again with the same ID updates the entry and keeps its owner code.
type EdgeRegistration struct {
	ID          string   `json:"id"`
	Region      string   `json:"region"`
	MXHost      string   `json:"mx_host"`
	Addrs       []string `json:"addrs"`
	InternalURL string   `json:"internal_url"`
}

// EdgeRegistered is the reply to a registration.
type EdgeRegistered struct {
	OwnerCode string `json:"owner_code"`
}

// Directory is the view of its region that an edge works from, the reply to
// GET /v1/directory. Index lets the next request block until it changes.
type Directory struct {
	Index   uint64         `json:"index"`
	Region  string         `json:"region"`
	Domains []state.Domain `json:"domains"`
	// Edges lists every edge of every region, so that an edge can forward
	// mail and requests to the owner of an inbox made in another region.
	Edges []state.Edge `json:"edges"`
	// AllDomains names every pool domain of every region and status, so an
	// edge can tell "not ours" (550 5.7.1) apart from "no such inbox".
	AllDomains map[string]state.DomainStatus `json:"all_domains"`
	// NoLeader reports that the node that served the directory had no
	// leader, so the directory may be stale: the node replies at once
	// instead of holding the request.
	NoLeader bool `json:"no_leader,omitempty"`
}

// ClusterStatus is the reply to GET /v1/cluster/status.
type ClusterStatus struct {
	NodeID       string    `json:"node_id"`
	State        string    `json:"state"`
	Leader       string    `json:"leader"`
	LeaderID     string    `json:"leader_id"`
	Term         uint64    `json:"term"`
	LastIndex    uint64    `json:"last_index"`
	AppliedIndex uint64    `json:"applied_index"`
	Peers        []Peer    `json:"peers"`
	Time         time.Time `json:"time"`
	// Autopilot is the leader's view of the cluster's health, present
	// only when the node that replies is the leader.
	Autopilot *AutopilotHealth `json:"autopilot,omitempty"`
}

// AutopilotHealth is autopilot's summary of the cluster.
type AutopilotHealth struct {
	// Healthy is true while every server is healthy: in contact with the
	// leader, on its term and not trailing far behind.
	Healthy bool `json:"healthy"`
	// FailureTolerance is how many voters can fail with the cluster
	// keeping its quorum.
	FailureTolerance int `json:"failure_tolerance"`
}

// Peer is one member of the Raft configuration. Address is its Raft
// address.
type Peer struct {
	ID      string `json:"id"`
	Address string `json:"address"`
	Voter   bool   `json:"voter"`
	// APIURL is the peer's API URL, "" until the peer has announced it.
	APIURL string `json:"api_url,omitempty"`
	// Reachable reports whether the node answering the status request got
	// the peer's own status. The fields below are set only when it did.
	Reachable bool `json:"reachable"`
	// LastContact is how long ago the peer last heard from the leader, as
	// a Go duration; "0" for the leader itself.
	LastContact string `json:"last_contact,omitempty"`
	// AppliedIndex is the last log index the peer has applied.
	AppliedIndex uint64 `json:"applied_index,omitempty"`
	// Trailing is how many entries the peer's applied index is behind the
	// last index of the node answering the status request.
	Trailing uint64 `json:"trailing"`
}

// PeersResponse is the reply to GET /v1/cluster/peers.
type PeersResponse struct {
	Peers []Peer `json:"peers"`
}

// LocalStatus is the reply to GET /v1/cluster/local: one node's own view,
// which the leader gathers to report how far each peer trails.
type LocalStatus struct {
	NodeID       string `json:"node_id"`
	State        string `json:"state"`
	LastIndex    uint64 `json:"last_index"`
	AppliedIndex uint64 `json:"applied_index"`
	// LastContact is how long ago the node last heard from the leader, as
	// a Go duration.
	LastContact string `json:"last_contact"`
	// LastLogTerm is the term of the node's last log entry.
	LastLogTerm uint64 `json:"last_log_term"`
}

// JoinRequest is the body of POST /v1/cluster/join. Joining again with
// the same ID and addresses changes nothing.
type JoinRequest struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	// APIURL is the base URL of the joining node's API.
	APIURL string `json:"api_url"`
	// NonVoter adds the node as a read replica, a non-voter that
	// replicates the log but never votes. Without it the node is added as
	// a non-voter too, and autopilot promotes it to voter once it has
	// been healthy for the stabilization time.
	NonVoter bool `json:"non_voter"`
}

// RemoveRequest is the body of POST /v1/cluster/remove.
type RemoveRequest struct {
	ID string `json:"id"`
}

// TransferLeadershipRequest is the body of POST
// /v1/cluster/transfer-leadership. An empty ID lets Raft pick the most
// up-to-date voter.
type TransferLeadershipRequest struct {
	ID string `json:"id"`
}

// DSResponse is the body of GET /v1/dns/ds/{zone}: the records that link a
// signed zone to its parent.
type DSResponse struct {
	Zone   string `json:"zone"`
	KeyTag uint16 `json:"key_tag"`
	// DS is the SHA-256 DS record to publish at the registrar, and DNSKEY
	// the key it hashes, both in zone-file syntax.
	DS     string `json:"ds"`
	DNSKEY string `json:"dnskey"`
}
