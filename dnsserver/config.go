package dnsserver

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// ErrInvalidConfig is returned by New when the configuration cannot work.
// The wrapping error names the field.
var ErrInvalidConfig = errors.New("invalid dns server config")

// Config configures a Server.
type Config struct {
	// Addr is the host:port to listen on for both UDP and TCP. Port 0 picks
	// a free port, the same one for both.
	Addr string
	// Logger receives start, stop and error events. Nil discards them.
	Logger *slog.Logger
	// Source returns the latest published state. It is called for every
	// query that reaches the zone lookup, so it must be cheap and safe for
	// concurrent use. A nil state means no zones yet, and every query is
	// refused.
	Source func() *state.State

	// Transfer controls zone transfers and NOTIFY. The zero value rejects
	// every transfer and sends no NOTIFY.
	Transfer Transfer
	// RateLimit limits UDP responses per client network. The zero value
	// turns the limit off; DefaultRateLimit holds the usual values.
	RateLimit RateLimit
	// CookieSecret is the 16-octet SipHash key of the server cookies of
	// RFC 9018. Empty means a random key for the life of the server, which
	// suits a single node; the nodes of an anycast set share one.
	CookieSecret []byte
	// Geo chooses which region's edge addresses a web host name returns.
	// The zero value serves no such name.
	Geo Geo
}

// Transfer configures zone transfers (AXFR and IXFR over TCP) and the
// NOTIFY messages sent on every serial change.
type Transfer struct {
	// Keys are the TSIG keys (hmac-sha256) the server accepts. A query signed
	// with another key, or with a bad signature, gets NOTAUTH.
	Keys []TSIGKey
	// Allow lists who may transfer. A transfer is allowed when its source
	// address is inside an entry's prefix and, if the entry names a key,
	// the request is signed with that key. Nothing else may transfer.
	Allow []TransferRule
	// Notify lists the secondaries that get a NOTIFY on every serial change.
	Notify []NotifyTarget
	// PollInterval is how often the state is checked for serial changes.
	// Zero means one second.
	PollInterval time.Duration
}

// TSIGKey is a shared secret for TSIG (RFC 8945) with HMAC-SHA256.
type TSIGKey struct {
	// Name is the key name, a domain name such as xfr-key.
	Name string
	// Secret is the key material in base64.
	Secret string
}

// TransferRule allows transfers from a network, optionally only with a key.
type TransferRule struct {
	Prefix netip.Prefix
	// Key names the TSIG key the request must be signed with; empty allows
	// unsigned requests from the prefix.
	Key string
}

// NotifyTarget is a secondary that gets NOTIFY messages.
type NotifyTarget struct {
	// Addr is the secondary's host:port, an IP address and a port.
	Addr string
	// Key names the TSIG key to sign the NOTIFY with; empty sends it
	// unsigned.
	Key string
}

// RateLimit configures response rate limiting of UDP replies per client
// network, the scheme NSD and BIND call RRL. A client network is an IPv4
// prefix of IPv4Prefix bits or an IPv6 prefix of IPv6Prefix bits. A query
// with a valid server cookie (RFC 7873) is never limited, because its
// source address cannot be forged.
type RateLimit struct {
	// Rate is the replies per second each network gets; 0 turns the limit
	// off.
	Rate int
	// Slip sends every Slip-th limited reply as an empty truncated reply
	// instead of dropping it, so a real client behind a busy network
	// retries over TCP. 0 drops every limited reply; 1 slips them all.
	Slip int
	// IPv4Prefix and IPv6Prefix are the network sizes that share a bucket.
	IPv4Prefix int
	IPv6Prefix int
}

// DefaultRateLimit holds NSD's defaults: 200 replies per second per /24 or
// /64, every second limited reply slipped.
var DefaultRateLimit = RateLimit{Rate: 200, Slip: 2, IPv4Prefix: 24, IPv6Prefix: 64}

// Geo configures the geographic answer of one web host name.
type Geo struct {
	// Name is the host name answered by region, such as www.mayfly.test.
	// It must lie inside a served zone. Empty turns GeoDNS off.
	Name string
	// Subnets map client networks to regions. The longest prefix that
	// holds the client wins: its EDNS Client Subnet address (RFC 7871)
	// when the query has one, otherwise the query's source address.
	Subnets []GeoSubnet
	// DefaultRegion answers clients that no subnet holds, and any client
	// whose region has no live edge.
	DefaultRegion string
}

// GeoSubnet maps one client network to a region.
type GeoSubnet struct {
	Prefix netip.Prefix
	Region string
}

// validate returns an error wrapping ErrInvalidConfig for the first field
// that is missing or wrong.
func (c Config) validate() error {
	if c.Addr == "" {
		return fmt.Errorf("%w: listen address is empty", ErrInvalidConfig)
	}
	if c.Source == nil {
		return fmt.Errorf("%w: state source is nil", ErrInvalidConfig)
	}
	if n := len(c.CookieSecret); n != 0 && n != cookieSecretSize {
		return fmt.Errorf("%w: cookie secret has %d octets, want %d", ErrInvalidConfig, n, cookieSecretSize)
	}
	checks := []func() error{c.Transfer.validate, c.RateLimit.validate, c.Geo.validate}
	for _, check := range checks {
		if err := check(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

func (t Transfer) validate() error {
	known := map[string]bool{}
	for _, k := range t.Keys {
		if _, ok := dns.IsDomainName(k.Name); !ok || k.Name == "" {
			return fmt.Errorf("tsig key name %q is not a domain name", k.Name)
		}
		if b, err := base64.StdEncoding.DecodeString(k.Secret); err != nil || len(b) == 0 {
			return fmt.Errorf("tsig key %q: secret is not non-empty base64", k.Name)
		}
		known[canonicalName(k.Name)] = true
	}
	for _, r := range t.Allow {
		if !r.Prefix.IsValid() {
			return errors.New("transfer rule has no prefix: want an address range such as 192.0.2.0/24")
		}
		if r.Key != "" && !known[canonicalName(r.Key)] {
			return fmt.Errorf("transfer rule for %s names unknown tsig key %q", r.Prefix, r.Key)
		}
	}
	for _, n := range t.Notify {
		if _, err := netip.ParseAddrPort(n.Addr); err != nil {
			return fmt.Errorf("notify target %q: want an IP address and port such as 192.0.2.1:53", n.Addr)
		}
		if n.Key != "" && !known[canonicalName(n.Key)] {
			return fmt.Errorf("notify target %s names unknown tsig key %q", n.Addr, n.Key)
		}
	}
	if t.PollInterval < 0 {
		return fmt.Errorf("transfer poll interval %s is negative", t.PollInterval)
	}
	return nil
}

func (r RateLimit) validate() error {
	switch {
	case r.Rate < 0:
		return fmt.Errorf("rate limit %d is negative: want 0 (off) or more", r.Rate)
	case r.Rate == 0:
		return nil
	case r.Slip < 0:
		return fmt.Errorf("rate limit slip %d is negative: want 0 or more", r.Slip)
	case r.IPv4Prefix < 1 || r.IPv4Prefix > 32:
		return fmt.Errorf("rate limit ipv4 prefix %d: want 1-32", r.IPv4Prefix)
	case r.IPv6Prefix < 1 || r.IPv6Prefix > 128:
		return fmt.Errorf("rate limit ipv6 prefix %d: want 1-128", r.IPv6Prefix)
	}
	return nil
}

func (g Geo) validate() error {
	if g.Name == "" {
		return nil
	}
	if _, ok := validName(g.Name); !ok {
		return fmt.Errorf("geo name %q is not a domain name", g.Name)
	}
	if g.DefaultRegion == "" {
		return errors.New("geo default region is empty: want the region that answers unmatched clients")
	}
	for _, s := range g.Subnets {
		if !s.Prefix.IsValid() || s.Region == "" {
			return fmt.Errorf("geo subnet %q to region %q: want a prefix and a region", s.Prefix, s.Region)
		}
	}
	return nil
}

// tsigSecrets returns the keys in the form the dns library takes: the
// canonical key name mapped to the base64 secret.
func (t Transfer) tsigSecrets() map[string]string {
	if len(t.Keys) == 0 {
		return nil
	}
	out := make(map[string]string, len(t.Keys))
	for _, k := range t.Keys {
		out[canonicalName(k.Name)] = k.Secret
	}
	return out
}
