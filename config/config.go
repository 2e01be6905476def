// Package config holds the configuration of every Mayfly node: one struct per
// component, one defaults function, one validation pass.
//
// Values come from a YAML file, from MAYFLY_* environment variables (the key
// path in upper case with "_" between levels, for example
// MAYFLY_EDGE_SMTP_LISTEN) and from command-line flags; flags win over the
// environment and the environment over the file. Only this package reads
// viper; the rest of the program receives the structs.
package config

import "time"

// Config is the whole configuration of a node.
type Config struct {
	// NodeID names the node in the Raft cluster and the edge directory.
	NodeID string `mapstructure:"node_id"`
	// DataDir holds the Raft log, snapshots, the inbox store and the node key.
	DataDir string `mapstructure:"data_dir"`
	// OperatorToken authenticates operators on the control-plane API.
	OperatorToken Secret `mapstructure:"operator_token"`
	// ClusterToken authenticates edges and control-plane nodes to each other.
	ClusterToken Secret `mapstructure:"cluster_token"`

	Log     Log     `mapstructure:"log"`
	Control Control `mapstructure:"control"`
	Edge    Edge    `mapstructure:"edge"`
	Dev     Dev     `mapstructure:"dev"`
}

// Log configures the process logger.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `mapstructure:"level"`
	// Format is text or json.
	Format string `mapstructure:"format"`
}

// Control configures a control-plane node.
type Control struct {
	RaftListen    string `mapstructure:"raft_listen"`
	RaftAdvertise string `mapstructure:"raft_advertise"`
	APIListen     string `mapstructure:"api_listen"`
	// APIAdvertise is the base URL other nodes and mayflyctl reach this
	// node's API at; empty means http:// and api_listen.
	APIAdvertise string `mapstructure:"api_advertise"`
	DNSListen    string `mapstructure:"dns_listen"`
	// Join lists API URLs of cluster members to join through.
	Join []string `mapstructure:"join"`
	// Bootstrap starts a new single-voter cluster when the node has no state.
	Bootstrap bool `mapstructure:"bootstrap"`
	// HeartbeatTimeout and ElectionTimeout tune Raft.
	HeartbeatTimeout time.Duration `mapstructure:"heartbeat_timeout"`
	ElectionTimeout  time.Duration `mapstructure:"election_timeout"`
	// EdgeTimeout is the maximum age of an edge's last heartbeat before the
	// leader marks it unhealthy and DNS leaves it out of MX.
	EdgeTimeout time.Duration `mapstructure:"edge_timeout"`
	DNS         DNS           `mapstructure:"dns"`
	// NonVoter makes the node a read replica: it joins as a non-voter
	// and is never promoted.
	NonVoter  bool      `mapstructure:"non_voter"`
	Autopilot Autopilot `mapstructure:"autopilot"`
	Raft      RaftLog   `mapstructure:"raft"`
	// Blocklist configures blocklist checks and domain rotation.
	Blocklist Blocklist `mapstructure:"blocklist"`
}

// DNS holds the settings every served zone shares.
type DNS struct {
	// OpsZone is the zone of the MX and name-server host names.
	OpsZone string `mapstructure:"ops_zone"`
	// Hostmaster is the SOA contact in mailbox form.
	Hostmaster  string        `mapstructure:"hostmaster"`
	NameServers []NameServer  `mapstructure:"name_servers"`
	TTL         time.Duration `mapstructure:"ttl"`
	NegativeTTL time.Duration `mapstructure:"negative_ttl"`

	// Transfer lets secondaries copy the zones; see DNSTransfer.
	Transfer DNSTransfer `mapstructure:"transfer"`
	// RateLimit limits UDP replies per client network.
	RateLimit DNSRateLimit `mapstructure:"rate_limit"`
	// CookieSecret is the server cookie key (RFC 9018) as 32 hex digits,
	// the same on every node. Empty means a random key per process.
	CookieSecret Secret `mapstructure:"cookie_secret"`
	// DNSSEC signs every zone. The node that founds the cluster generates
	// the key and replicates it; every node signs with it.
	DNSSEC bool `mapstructure:"dnssec"`
	// Geo answers one web host name with the addresses of the edges of
	// the client's region.
	Geo DNSGeo `mapstructure:"geo"`
}

// DNSTransfer configures zone transfers (AXFR, IXFR), TSIG and NOTIFY.
type DNSTransfer struct {
	// TSIGKeys are hmac-sha256 keys: a name and a base64 secret.
	TSIGKeys []TSIGKey `mapstructure:"tsig_keys"`
	// Allow lists who may transfer: a prefix such as 192.0.2.0/24 and,
	// optionally, the name of the key the request must be signed with.
	Allow []TransferRule `mapstructure:"allow"`
	// Notify lists secondaries (ip:port) told of every serial change.
	Notify []NotifyTarget `mapstructure:"notify"`
}

// TSIGKey is one TSIG key.
type TSIGKey struct {
	Name   string `mapstructure:"name"`
	Secret Secret `mapstructure:"secret"`
}

// TransferRule allows transfers from a prefix, with a key if Key is set.
type TransferRule struct {
	Prefix string `mapstructure:"prefix"`
	Key    string `mapstructure:"key"`
}

// NotifyTarget is a secondary that gets NOTIFY, signed with Key if set.
type NotifyTarget struct {
	Addr string `mapstructure:"addr"`
	Key  string `mapstructure:"key"`
}

// DNSRateLimit configures response rate limiting; Rate 0 turns it off.
type DNSRateLimit struct {
	// Rate is replies per second per network.
	Rate int `mapstructure:"rate"`
	// Slip sends every Slip-th limited reply truncated instead of
	// dropping it; 0 drops them all.
	Slip       int `mapstructure:"slip"`
	IPv4Prefix int `mapstructure:"ipv4_prefix"`
	IPv6Prefix int `mapstructure:"ipv6_prefix"`
}

// DNSGeo maps client subnets to regions for the web host name Name.
type DNSGeo struct {
	Name          string      `mapstructure:"name"`
	DefaultRegion string      `mapstructure:"default_region"`
	Subnets       []GeoSubnet `mapstructure:"subnets"`
}

// GeoSubnet maps one client prefix to a region.
type GeoSubnet struct {
	Prefix string `mapstructure:"prefix"`
	Region string `mapstructure:"region"`
}

// NameServer is one authoritative name server of the pool zones.
type NameServer struct {
	Host  string   `mapstructure:"host"`
	Addrs []string `mapstructure:"addrs"`
}

// Edge configures an edge node.
type Edge struct {
	Region         string `mapstructure:"region"`
	SMTPListen     string `mapstructure:"smtp_listen"`
	HTTPListen     string `mapstructure:"http_listen"`
	InternalListen string `mapstructure:"internal_listen"`
	// ControlPlane lists control-plane API URLs, tried in order.
	ControlPlane []string `mapstructure:"control_plane"`
	// MXHost is the host name the MX records of this edge use; it is also
	// the SMTP banner name.
	MXHost string `mapstructure:"mx_host"`
	// PublicAddr lists the addresses MXHost resolves to.
	PublicAddr []string `mapstructure:"public_addr"`
	// InternalURL is the URL of InternalListen for other nodes. Empty means
	// the listener's own address, which suits loopback and single-host
	// setups.
	InternalURL string `mapstructure:"internal_url"`
	// InternalTLSCert and InternalTLSKey are PEM files that turn on TLS 1.3
	// for InternalListen. Both or neither must be set.
	InternalTLSCert string `mapstructure:"internal_tls_cert"`
	InternalTLSKey  string `mapstructure:"internal_tls_key"`
	// InternalTLSCA is a PEM file of the CA certificates that this edge
	// trusts when it calls another edge's internal listener over https.
	// Empty means the system's roots.
	InternalTLSCA string `mapstructure:"internal_tls_ca"`

	DefaultTTL     time.Duration `mapstructure:"default_ttl"`
	MaxTTL         time.Duration `mapstructure:"max_ttl"`
	SweepInterval  time.Duration `mapstructure:"sweep_interval"`
	EpochWindow    time.Duration `mapstructure:"epoch_window"`
	MaxMessageSize ByteSize      `mapstructure:"max_message_size"`
	MaxRecipients  int           `mapstructure:"max_recipients"`
	// HeartbeatInterval is the interval between the heartbeats the edge sends to the control plane.
	HeartbeatInterval time.Duration `mapstructure:"heartbeat_interval"`

	// SMTPMaxLineLength bounds a command line and a line of message
	// content, without its CRLF.
	SMTPMaxLineLength ByteSize `mapstructure:"smtp_max_line_length"`
	// SMTPMaxConnections bounds the open SMTP connections in total, and
	// SMTPMaxConnectionsPerClient those from one IPv4 address or IPv6 /64.
	SMTPMaxConnections          int `mapstructure:"smtp_max_connections"`
	SMTPMaxConnectionsPerClient int `mapstructure:"smtp_max_connections_per_client"`
	// SMTPMaxErrors is how many error replies a session gets before the
	// server closes it with 421.
	SMTPMaxErrors int `mapstructure:"smtp_max_errors"`
	// SMTPCommandTimeout is how long the server waits for a command line,
	// and SMTPDataTimeout how long it waits for the next bytes of a
	// message.
	SMTPCommandTimeout time.Duration `mapstructure:"smtp_command_timeout"`
	SMTPDataTimeout    time.Duration `mapstructure:"smtp_data_timeout"`
	// SMTPTLSCert and SMTPTLSKey are PEM files of the certificate chain and
	// key that STARTTLS offers. Both or neither must be set; without them
	// STARTTLS is not offered. The files are read again when they change.
	SMTPTLSCert string `mapstructure:"smtp_tls_cert"`
	SMTPTLSKey  string `mapstructure:"smtp_tls_key"`

	// HTTPTLSCert and HTTPTLSKey are PEM files that turn on HTTPS (TLS 1.3
	// only) on HTTPListen. Both or neither must be set, and not together
	// with ACMEDomains. The files are read again when they change.
	HTTPTLSCert string `mapstructure:"http_tls_cert"`
	HTTPTLSKey  string `mapstructure:"http_tls_key"`
	// ACMEDomains turns on HTTPS on HTTPListen with certificates obtained
	// over ACME for these names, stored under DataDir/acme. The CA must
	// reach HTTPListen on port 443 for the TLS-ALPN-01 challenge.
	ACMEDomains []string `mapstructure:"acme_domains"`
	// ACMEEmail is the ACME account's contact; empty registers without one.
	ACMEEmail string `mapstructure:"acme_email"`
	// ACMECA is the ACME directory URL; empty means Let's Encrypt.
	ACMECA string `mapstructure:"acme_ca"`
	// ACMECARoot is a PEM file of the roots that ACMECA's own HTTPS
	// certificate chains to, for a private CA; empty means the system's.
	ACMECARoot string `mapstructure:"acme_ca_root"`

	// RateCreate is how many inboxes one client (an IPv4 address or an
	// IPv6 /64) may create per minute on average, and RateCreateBurst how
	// many at once. RateAPI and RateAPIBurst limit its other public API
	// requests. A rate of 0 turns that limit off.
	RateCreate      int `mapstructure:"rate_create"`
	RateCreateBurst int `mapstructure:"rate_create_burst"`
	RateAPI         int `mapstructure:"rate_api"`
	RateAPIBurst    int `mapstructure:"rate_api_burst"`
}

// Dev configures what `mayfly dev` seeds into a new cluster.
type Dev struct {
	Domains []string `mapstructure:"domains"`
}

// Default returns the configuration `mayfly dev` runs on: everything on
// loopback, the design's dev ports, no secrets.
func Default() Config {
	return Config{
		Log: Log{Level: "info", Format: "text"},
		Control: Control{
			RaftListen:       "127.0.0.1:9300",
			APIListen:        "127.0.0.1:9400",
			DNSListen:        "127.0.0.1:1053",
			HeartbeatTimeout: time.Second,
			ElectionTimeout:  time.Second,
			EdgeTimeout:      30 * time.Second,
			Autopilot:        defaultAutopilot,
			Raft:             defaultRaftLog,
			Blocklist:        defaultBlocklist(),
			DNS: DNS{
				OpsZone:    "mayfly-ops.test",
				Hostmaster: "hostmaster@mayfly-ops.test",
				NameServers: []NameServer{
					{Host: "ns1.mayfly-ops.test", Addrs: []string{"127.0.0.1"}},
				},
				TTL:         5 * time.Minute,
				NegativeTTL: time.Minute,
				// NSD's defaults.
				RateLimit: DNSRateLimit{Rate: 200, Slip: 2, IPv4Prefix: 24, IPv6Prefix: 64},
				DNSSEC:    true,
			},
		},
		Edge: Edge{
			Region:            "local",
			SMTPListen:        "127.0.0.1:2525",
			HTTPListen:        "127.0.0.1:8080",
			InternalListen:    "127.0.0.1:8081",
			ControlPlane:      []string{"http://127.0.0.1:9400"},
			MXHost:            "mx1.mayfly-ops.test",
			PublicAddr:        []string{"127.0.0.1"},
			DefaultTTL:        10 * time.Minute,
			MaxTTL:            168 * time.Hour,
			SweepInterval:     time.Second,
			EpochWindow:       time.Hour,
			MaxMessageSize:    25 * MiB,
			MaxRecipients:     100,
			HeartbeatInterval: 5 * time.Second,

			// Lines may be far longer than the 1000 octets of RFC 5321
			// §4.5.3.1.6, because real senders exceed it. The timeouts are
			// the server timeout of RFC 5321 §4.5.3.2.7. A large sender's
			// parallel deliveries fit in 50 connections, and 20 errors let
			// a sender try a list of stale addresses but stop guessing.
			SMTPMaxLineLength:           64 * KiB,
			SMTPMaxConnections:          1000,
			SMTPMaxConnectionsPerClient: 50,
			SMTPMaxErrors:               20,
			SMTPCommandTimeout:          5 * time.Minute,
			SMTPDataTimeout:             5 * time.Minute,

			// A person creates a few inboxes a minute; a test suite that
			// needs more runs its own edge or raises the limit. A web page
			// polling every few seconds stays far below 600 a minute.
			RateCreate:      10,
			RateCreateBurst: 10,
			RateAPI:         600,
			RateAPIBurst:    120,
		},
		Dev: Dev{Domains: []string{"mayfly.test", "mayfly-mail.test"}},
	}
}
