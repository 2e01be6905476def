// Package fsm is the Raft finite-state machine of the control plane. It
// applies committed commands to an immutable *state.State and publishes each
// new version for lock-free readers.
//
// # Commands
//
// A command is one JSON object per Raft log entry:
//
//	{"v":1,"type":"add_domains","request_id":"...","at":"2025-01-02T03:04:05Z","body":{...}}
//
// where "at" is the proposer's clock: Apply reads the time from it and never
// from the local clock, so every replica computes the same state. The types
// and their bodies are:
//
//   - add_domains: AddDomains
//   - retire_domain: RetireDomain
//   - set_domain_status: SetDomainStatus
//   - register_edge: RegisterEdge
//   - heartbeat_edge: HeartbeatEdge
//   - remove_edge: RemoveEdge
//   - set_edge_health: SetEdgeHealth
//   - set_edge_draining: SetEdgeDraining
//   - set_dns_settings: SetDNSSettings
//   - set_member: SetMember
//   - remove_member: RemoveMember
//   - restore_state: RestoreState, which replaces the domains, edges and
//     DNS settings with a snapshot's
//   - set_dnssec_key: SetDNSSECKey, the key that signs every zone
//   - record_verdicts: RecordVerdicts, blocklist results that may move a
//     listed domain to retiring
//   - top_up_region: TopUpRegion, which promotes standby domains
//   - finish_retiring: FinishRetiring, retiring to retired after a grace period
//   - retire_exposed: RetireExposed, retiring after a maximum exposure age
//
// Apply returns a Response for every entry. A business rejection (an
// invalid name, an unknown domain) is Response.Err, a *RejectError, and
// leaves the state unchanged. An entry that cannot be decoded, or that
// carries an unknown version or type, panics: a replica that skipped it
// would diverge from the others, which is worse than stopping.
//
// Every command is idempotent by its meaning, so a proposer that lost track
// of an entry's outcome (a leadership change during Apply) may send it again.
//
// # SOA serials
//
// A domain's Serial goes up by one with every committed change to what its
// zone answers: adding the domain, changing its status, registering or
// removing an edge of its region, or changing such an edge's MX host or
// addresses, while the domain's MX points at the edges. An edge entering or
// leaving MX (by its health or draining flag) counts too. A change to the DNS
// settings, or a new DNSSEC key, bumps every domain and DNS.OpsSerial. A
// change to an edge's MX host or addresses also bumps DNS.OpsSerial, because
// the operations zone holds the A and AAAA records of the MX hosts. A heartbeat bumps nothing
// unless it brings an unhealthy edge back.
//
// # Snapshots
//
// A snapshot is the JSON object {"version":1,"state":{...}} with the state
// in its JSON form (package state). The same format is what operators save
// and restore through the API. A snapshot without "members" is restored
// with none.
package fsm
