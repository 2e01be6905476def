package config

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
)

// validateDNSServing checks the keys of control.dns that shape how the
// DNS server answers: transfers, rate limits, cookies and GeoDNS.
func (c *Config) validateDNSServing() error {
	dns := c.Control.DNS
	checks := []func() error{
		func() error { return validateTransfer(dns.Transfer) },
		func() error { return validateRateLimit(dns.RateLimit) },
		func() error { return validateCookieSecret(dns.CookieSecret) },
		func() error { return validateGeo(dns.Geo) },
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func validateTransfer(t DNSTransfer) error {
	keys := map[string]bool{}
	for i, k := range t.TSIGKeys {
		key := fmt.Sprintf("control.dns.transfer.tsig_keys[%d]", i)
		if !dnsNamePattern.MatchString(k.Name) {
			return invalid(key+".name", k.Name, "want a key name in DNS name syntax such as xfr.example.org")
		}
		if b, err := base64.StdEncoding.DecodeString(k.Secret.Reveal()); err != nil || len(b) < 16 {
			return invalid(key+".secret", k.Secret, "want at least 16 random octets in base64 (tsig-keygen or openssl rand -base64 32)")
		}
		keys[k.Name] = true
	}
	for i, r := range t.Allow {
		key := fmt.Sprintf("control.dns.transfer.allow[%d]", i)
		if _, err := netip.ParsePrefix(r.Prefix); err != nil {
			return invalid(key+".prefix", r.Prefix, "want an address prefix such as 192.0.2.0/24 or 2001:db8::/64")
		}
		if r.Key != "" && !keys[r.Key] {
			return invalid(key+".key", r.Key, "want the name of a key in control.dns.transfer.tsig_keys, or empty")
		}
	}
	for i, n := range t.Notify {
		key := fmt.Sprintf("control.dns.transfer.notify[%d]", i)
		if _, err := netip.ParseAddrPort(n.Addr); err != nil {
			return invalid(key+".addr", n.Addr, "want an IP address and port such as 192.0.2.1:53")
		}
		if n.Key != "" && !keys[n.Key] {
			return invalid(key+".key", n.Key, "want the name of a key in control.dns.transfer.tsig_keys, or empty")
		}
	}
	return nil
}

func validateRateLimit(r DNSRateLimit) error {
	switch {
	case r.Rate < 0 || r.Rate > 1_000_000:
		return invalid("control.dns.rate_limit.rate", r.Rate, "want replies per second per network, 0 (off) to 1000000")
	case r.Rate == 0:
		return nil
	case r.Slip < 0 || r.Slip > 10:
		return invalid("control.dns.rate_limit.slip", r.Slip, "want 0 (drop all limited replies) to 10")
	case r.IPv4Prefix < 8 || r.IPv4Prefix > 32:
		return invalid("control.dns.rate_limit.ipv4_prefix", r.IPv4Prefix, "want a prefix length from 8 to 32")
	case r.IPv6Prefix < 16 || r.IPv6Prefix > 128:
		return invalid("control.dns.rate_limit.ipv6_prefix", r.IPv6Prefix, "want a prefix length from 16 to 128")
	}
	return nil
}

func validateCookieSecret(s Secret) error {
	if s == "" {
		return nil
	}
	if b, err := hex.DecodeString(s.Reveal()); err != nil || len(b) != 16 {
		return invalid("control.dns.cookie_secret", s, "want 32 hex digits (16 random octets), the same on every node")
	}
	return nil
}

func validateGeo(g DNSGeo) error {
	if g.Name == "" {
		if len(g.Subnets) > 0 {
			return invalid("control.dns.geo.name", "", "want the web host name that the subnets apply to")
		}
		return nil
	}
	if !dnsNamePattern.MatchString(g.Name) {
		return invalid("control.dns.geo.name", g.Name, "want a DNS host name inside a served zone, such as www.mayfly.test")
	}
	if !regionPattern.MatchString(g.DefaultRegion) {
		return invalid("control.dns.geo.default_region", g.DefaultRegion, "want the region that answers clients no subnet matches")
	}
	for i, s := range g.Subnets {
		key := fmt.Sprintf("control.dns.geo.subnets[%d]", i)
		if _, err := netip.ParsePrefix(s.Prefix); err != nil {
			return invalid(key+".prefix", s.Prefix, "want an address prefix such as 198.51.100.0/24")
		}
		if !regionPattern.MatchString(s.Region) {
			return invalid(key+".region", s.Region, "want a region name")
		}
	}
	return nil
}
