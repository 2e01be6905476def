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
}

// DomainsResponse is the body of GET /v1/domains and POST /v1/domains.
type DomainsResponse struct {
	Domains []state.Domain `json:"domains"`
}

// EdgesResponse is the body of GET /v1/edges.
type EdgesResponse struct {
	Edges []state.Edge `json:"edges"`
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

// Directory is what an edge needs to know about its region: the reply to
// GET /v1/directory. Index lets the next request block until it changes.
type Directory struct {
	Index   uint64         `json:"index"`
	Region  string         `json:"region"`
	Domains []state.Domain `json:"domains"`
	Edges   []state.Edge   `json:"edges"`
	// AllDomains names every pool domain of every region and status, so an
	// edge can tell "not ours" (550 5.7.1) apart from "no such inbox".
	AllDomains map[string]state.DomainStatus `json:"all_domains"`
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
}

// Peer is one member of the Raft configuration.
type Peer struct {
	ID      string `json:"id"`
	Address string `json:"address"`
	Voter   bool   `json:"voter"`
}
