// Package state defines the replicated control-plane state as immutable
// values: the domain pool, the edge directory and the DNS settings.
//
// The finite-state machine publishes a new *State after every committed
// change and never mutates one it has published, so readers such as the DNS
// server and the directory watch may hold a *State without locking. The JSON
// form of State is also the snapshot format and the wire format of the
// control-plane API.
package state

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// DomainStatus is the life-cycle stage of a pool domain.
type DomainStatus string

// The domain life cycle: standby → active → retiring → retired.
const (
	// Standby domains are verified but not yet exposed: no MX, no new addresses.
	Standby DomainStatus = "standby"
	// Active domains get MX records and new addresses.
	Active DomainStatus = "active"
	// Retiring domains keep their MX until the last inbox on them can have
	// expired, but get no new addresses.
	Retiring DomainStatus = "retiring"
	// Retired domains publish a null MX (RFC 7505).
	Retired DomainStatus = "retired"
)

// Valid reports whether s is one of the four known statuses.
func (s DomainStatus) Valid() bool {
	switch s {
	case Standby, Active, Retiring, Retired:
		return true
	}
	return false
}

// ServesMail reports whether mail for a domain in this status is accepted
// and its MX points at the edges.
func (s DomainStatus) ServesMail() bool {
	return s == Active || s == Retiring
}

// Domain is one receiving domain of the pool.
type Domain struct {
	Name      string       `json:"name"`
	Region    string       `json:"region"`
	Status    DomainStatus `json:"status"`
	Reason    string       `json:"reason,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	// ActivatedAt is when the domain last became active, the start of its
	// exposure to users; zero if it never was.
	ActivatedAt time.Time `json:"activated_at,omitzero"`
	// RetiringAt is when the domain last became retiring; zero if never.
	RetiringAt time.Time `json:"retiring_at,omitzero"`
	// Serial is the SOA serial of the domain's zone, bumped by every
	// committed change that alters what the zone answers.
	Serial uint32 `json:"serial"`
}

// Edge is one registered edge node.
type Edge struct {
	ID          string   `json:"id"`
	Region      string   `json:"region"`
	MXHost      string   `json:"mx_host"`
	Addrs       []string `json:"addrs"`
	InternalURL string   `json:"internal_url,omitempty"`
	// OwnerCode is the short code carried by the addresses and tokens of the
	// inboxes this edge owns, unique in the cluster.
	OwnerCode     string    `json:"owner_code"`
	RegisteredAt  time.Time `json:"registered_at"`
	LastHeartbeat time.Time `json:"last_heartbeat"`
	// Draining keeps the edge out of MX and stops it from creating inboxes,
	// while the inboxes it owns keep working.
	Draining bool `json:"draining"`
	// Healthy is false while the edge's last heartbeat is older than the
	// leader's edge timeout. An unhealthy edge is left out of MX.
	Healthy bool `json:"healthy"`
}

// UnmarshalJSON decodes an edge and treats a missing "healthy" as true, so
// that a snapshot written before the field existed restores live edges.
func (e *Edge) UnmarshalJSON(data []byte) error {
	type plain Edge
	decoded := plain{Healthy: true}
	if err := json.Unmarshal(data, &decoded); err != nil {
		return fmt.Errorf("decode edge: %w", err)
	}
	*e = Edge(decoded)
	return nil
}

// NameServer is an authoritative name server of the pool zones.
type NameServer struct {
	Host  string   `json:"host"`
	Addrs []string `json:"addrs"`
}

// DNSSettings holds what every zone shares: the operations zone that holds
// the MX and name-server host names, the SOA fields and the TTLs.
type DNSSettings struct {
	// OpsZone is the zone of the MX and name-server host names.
	OpsZone     string       `json:"ops_zone"`
	NameServers []NameServer `json:"name_servers"`
	// Hostmaster is the SOA RNAME in mailbox form (hostmaster@example.org).
	Hostmaster string `json:"hostmaster"`
	// TTL applies to every record but the SOA minimum, in seconds.
	TTL uint32 `json:"ttl"`
	// NegativeTTL is the SOA minimum field, the TTL of negative answers.
	NegativeTTL uint32 `json:"negative_ttl"`
	Refresh     uint32 `json:"refresh"`
	Retry       uint32 `json:"retry"`
	Expire      uint32 `json:"expire"`
	// OpsSerial is the SOA serial of the operations zone.
	OpsSerial uint32 `json:"ops_serial"`
}

// State is one committed version of the replicated state. A published State
// is never modified: writers copy it (Clone) and publish the copy.
type State struct {
	// Index is the Raft log index of the last change applied.
	Index   uint64            `json:"index"`
	Domains map[string]Domain `json:"domains"`
	Edges   map[string]Edge   `json:"edges"`
	DNS     DNSSettings       `json:"dns"`
	// Members maps the Raft server id of each control-plane node to the
	// URL of its API, so that a follower can forward writes to the leader.
	Members map[string]Member `json:"members"`
	// DNSSEC holds the keys that sign every served zone; empty means the
	// zones are served unsigned.
	DNSSEC []DNSSECKey `json:"dnssec,omitempty"`
	// Blocklist maps a pool domain's name to its blocklist evidence.
	Blocklist map[string]DomainChecks `json:"blocklist,omitempty"`
}

// DNSSECKey is a combined signing key (RFC 6781 §3.1.3) shared by every
// zone. The leader generates it; each node signs its answers with it.
type DNSSECKey struct {
	// Algorithm is the DNSSEC algorithm number; 13 is ECDSA P-256 with
	// SHA-256 (RFC 6605), the only one supported.
	Algorithm uint8 `json:"algorithm"`
	// PrivateKey is the 32-octet private scalar in standard base64.
	PrivateKey string    `json:"private_key"`
	CreatedAt  time.Time `json:"created_at"`
}

// Member is one control-plane node as other nodes reach its API.
type Member struct {
	ID string `json:"id"`
	// APIURL is the base URL of the node's control-plane API, such as
	// http://10.0.0.1:9400.
	APIURL string `json:"api_url"`
	// NonVoter marks a read replica: it stays a non-voter, and autopilot
	// never promotes it.
	NonVoter bool `json:"non_voter,omitempty"`
}

// New returns an empty state.
func New() *State {
	return &State{Domains: map[string]Domain{}, Edges: map[string]Edge{}, Members: map[string]Member{},
		Blocklist: map[string]DomainChecks{}}
}

// Clone returns a deep copy of s for a writer to modify.
func (s *State) Clone() *State {
	c := &State{
		Index:   s.Index,
		Domains: make(map[string]Domain, len(s.Domains)),
		Edges:   make(map[string]Edge, len(s.Edges)),
		DNS:     s.DNS,
		Members: make(map[string]Member, len(s.Members)),
		DNSSEC:  slices.Clone(s.DNSSEC),
		// The values are never modified once published, so the copy
		// shares them.
		Blocklist: maps.Clone(s.Blocklist),
	}
	if c.Blocklist == nil {
		c.Blocklist = map[string]DomainChecks{}
	}
	for k, v := range s.Members {
		c.Members[k] = v
	}
	for k, v := range s.Domains {
		c.Domains[k] = v
	}
	for k, v := range s.Edges {
		v.Addrs = slices.Clone(v.Addrs)
		c.Edges[k] = v
	}
	c.DNS.NameServers = make([]NameServer, len(s.DNS.NameServers))
	for i, ns := range s.DNS.NameServers {
		c.DNS.NameServers[i] = NameServer{Host: ns.Host, Addrs: slices.Clone(ns.Addrs)}
	}
	return c
}

// Domain returns the pool domain with the given name, matched without
// regard to letter case or a trailing dot.
func (s *State) Domain(name string) (Domain, bool) {
	d, ok := s.Domains[CanonicalName(name)]
	return d, ok
}

// DomainList returns the domains sorted by name.
func (s *State) DomainList() []Domain {
	out := make([]Domain, 0, len(s.Domains))
	for _, d := range s.Domains {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ActiveDomains returns the active domains of a region sorted by name.
func (s *State) ActiveDomains(region string) []Domain {
	var out []Domain
	for _, d := range s.DomainList() {
		if d.Region == region && d.Status == Active {
			out = append(out, d)
		}
	}
	return out
}

// AllEdges returns every edge of every region, sorted by id.
func (s *State) AllEdges() []Edge {
	out := make([]Edge, 0, len(s.Edges))
	for _, e := range s.Edges {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// CanonicalName lower-cases a DNS name and strips one trailing dot, the form
// in which the state stores domain and host names.
func CanonicalName(name string) string {
	return strings.TrimSuffix(strings.ToLower(name), ".")
}

// ECDSAKey decodes the key's private scalar. It fails for an algorithm
// other than 13 and for a scalar that is not a valid P-256 private key.
func (k DNSSECKey) ECDSAKey() (*ecdsa.PrivateKey, error) {
	if k.Algorithm != 13 {
		return nil, fmt.Errorf("dnssec key algorithm %d: only 13 (ECDSA P-256 SHA-256) is supported", k.Algorithm)
	}
	raw, err := base64.StdEncoding.DecodeString(k.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("decode dnssec private key: %w", err)
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("parse dnssec private key: %w", err)
	}
	return priv, nil
}
