package fsm

import (
	"reflect"
	"strings"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// maxTTL is the largest TTL RFC 2181 §8 allows, 2^31 - 1 seconds.
const maxTTL = 1<<31 - 1

// SetDNSSettings is the body of set_dns_settings: it replaces the DNS
// settings. OpsSerial is ignored, because the state machine owns it.
// Settings equal to the current ones succeed without a change.
type SetDNSSettings state.DNSSettings

func (c *SetDNSSettings) normalize() error {
	zone, err := CanonicalDomain(c.OpsZone)
	if err != nil {
		return reject(ErrInvalid, "operations zone: %s", err)
	}
	c.OpsZone = zone
	if err := c.normalizeNameServers(); err != nil {
		return err
	}
	if err := c.normalizeHostmaster(); err != nil {
		return err
	}
	return c.validateTimers()
}

func (c *SetDNSSettings) normalizeNameServers() error {
	if len(c.NameServers) == 0 {
		return reject(ErrInvalid, "no name servers given: at least one is required")
	}
	servers := make([]state.NameServer, 0, len(c.NameServers))
	for _, ns := range c.NameServers {
		host, err := canonicalHost("name server host", ns.Host, 1)
		if err != nil {
			return err
		}
		addrs, err := canonicalAddrs("address of name server "+host, ns.Addrs)
		if err != nil {
			return err
		}
		servers = append(servers, state.NameServer{Host: host, Addrs: addrs})
	}
	c.NameServers = servers
	return nil
}

// normalizeHostmaster checks the SOA RNAME, given in mailbox form.
func (c *SetDNSSettings) normalizeHostmaster() error {
	local, domain, ok := strings.Cut(c.Hostmaster, "@")
	if !ok || local == "" || strings.ContainsAny(local, "@ ") {
		return reject(ErrInvalid, "invalid hostmaster %q: it must be a mailbox such as hostmaster@example.org", c.Hostmaster)
	}
	canonical, err := CanonicalDomain(domain)
	if err != nil {
		return reject(ErrInvalid, "invalid hostmaster %q: %s", c.Hostmaster, err)
	}
	c.Hostmaster = local + "@" + canonical
	return nil
}

func (c *SetDNSSettings) validateTimers() error {
	timers := []struct {
		name  string
		value uint32
	}{
		{"ttl", c.TTL},
		{"negative_ttl", c.NegativeTTL},
		{"refresh", c.Refresh},
		{"retry", c.Retry},
		{"expire", c.Expire},
	}
	for _, tm := range timers {
		if tm.value < 1 || tm.value > maxTTL {
			return reject(ErrInvalid, "invalid %s %d: it must be 1-%d seconds", tm.name, tm.value, maxTTL)
		}
	}
	return nil
}

func (c *SetDNSSettings) apply(t *txn) (Result, error) {
	next := state.DNSSettings(*c)
	next.OpsSerial = t.read().DNS.OpsSerial
	// next has name servers, each with addresses, so a nil-versus-empty
	// slice can only differ when the current settings have none, and then
	// the settings differ anyway.
	if reflect.DeepEqual(next, t.read().DNS) {
		return Result{}, nil
	}

	s := t.write()
	s.DNS = next
	bumpAll(s)
	return Result{}, nil
}
