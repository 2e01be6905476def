package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid configuration")

var (
	regionPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	dnsNamePattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// invalid names the key, the offending value and what is allowed.
func invalid(key string, value any, allowed string) error {
	return fmt.Errorf("%w: %s = %q: %s", ErrInvalid, key, fmt.Sprint(value), allowed)
}

// Validate checks every value and returns the first problem found, naming
// the key, its value and what is allowed.
func (c *Config) Validate() error {
	checks := []func() error{c.validateLog, c.validateControl, c.validateEdge, c.validateDev}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) validateLog() error {
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return invalid("log.level", c.Log.Level, "want debug, info, warn or error")
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		return invalid("log.format", c.Log.Format, "want text or json")
	}
	return nil
}

func (c *Config) validateControl() error {
	ctl := c.Control
	for key, addr := range map[string]string{
		"control.raft_listen": ctl.RaftListen,
		"control.api_listen":  ctl.APIListen,
		"control.dns_listen":  ctl.DNSListen,
	} {
		if err := checkListen(key, addr); err != nil {
			return err
		}
	}
	if ctl.RaftAdvertise != "" {
		if err := checkListen("control.raft_advertise", ctl.RaftAdvertise); err != nil {
			return err
		}
	}
	if err := checkDuration("control.heartbeat_timeout", ctl.HeartbeatTimeout, 10*time.Millisecond, time.Minute); err != nil {
		return err
	}
	if err := checkDuration("control.election_timeout", ctl.ElectionTimeout, 10*time.Millisecond, time.Minute); err != nil {
		return err
	}
	if err := checkDuration("control.edge_timeout", ctl.EdgeTimeout, time.Second, time.Hour); err != nil {
		return err
	}
	if err := c.validateRaftTuning(); err != nil {
		return err
	}
	if err := c.validateBlocklist(); err != nil {
		return err
	}
	return c.validateDNS()
}

func (c *Config) validateDNS() error {
	dns := c.Control.DNS
	if !dnsNamePattern.MatchString(dns.OpsZone) {
		return invalid("control.dns.ops_zone", dns.OpsZone, "want a DNS name such as ops.example.org")
	}
	if local, domain, ok := strings.Cut(dns.Hostmaster, "@"); !ok || local == "" || !dnsNamePattern.MatchString(domain) {
		return invalid("control.dns.hostmaster", dns.Hostmaster, "want a mailbox such as hostmaster@example.org")
	}
	if len(dns.NameServers) == 0 {
		return invalid("control.dns.name_servers", "[]", "want at least one name server")
	}
	for i, ns := range dns.NameServers {
		key := fmt.Sprintf("control.dns.name_servers[%d]", i)
		if !dnsNamePattern.MatchString(ns.Host) {
			return invalid(key+".host", ns.Host, "want a DNS host name")
		}
		if err := checkIPs(key+".addrs", ns.Addrs); err != nil {
			return err
		}
	}
	if err := checkDuration("control.dns.ttl", dns.TTL, time.Second, 7*24*time.Hour); err != nil {
		return err
	}
	if err := checkDuration("control.dns.negative_ttl", dns.NegativeTTL, time.Second, 24*time.Hour); err != nil {
		return err
	}
	return c.validateDNSServing()
}

func (c *Config) validateEdge() error {
	e := c.Edge
	if !regionPattern.MatchString(e.Region) {
		return invalid("edge.region", e.Region, "want 1 to 32 characters of a-z, 0-9 and -, starting with a letter or digit")
	}
	for key, addr := range map[string]string{
		"edge.smtp_listen":     e.SMTPListen,
		"edge.http_listen":     e.HTTPListen,
		"edge.internal_listen": e.InternalListen,
	} {
		if err := checkListen(key, addr); err != nil {
			return err
		}
	}
	if len(e.ControlPlane) == 0 {
		return invalid("edge.control_plane", "[]", "want at least one control-plane URL such as http://127.0.0.1:9400")
	}
	for _, raw := range e.ControlPlane {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("edge.control_plane", raw, "want an http:// or https:// URL")
		}
	}
	if !dnsNamePattern.MatchString(e.MXHost) {
		return invalid("edge.mx_host", e.MXHost, "want a DNS host name")
	}
	if err := checkIPs("edge.public_addr", e.PublicAddr); err != nil {
		return err
	}
	if err := c.validateEdgeInternal(); err != nil {
		return err
	}
	if err := c.validateEdgeHTTPS(); err != nil {
		return err
	}
	return c.validateEdgeLimits()
}

// validateEdgeInternal checks the internal URL and the internal listener's
// TLS files, which must come as a pair.
func (c *Config) validateEdgeInternal() error {
	e := c.Edge
	if e.InternalURL != "" {
		if u, err := url.Parse(e.InternalURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("edge.internal_url", e.InternalURL, "want an http:// or https:// URL such as https://edge1.internal:8081")
		}
	}
	if (e.InternalTLSCert == "") != (e.InternalTLSKey == "") {
		return invalid("edge.internal_tls_cert", e.InternalTLSCert, "set edge.internal_tls_cert and edge.internal_tls_key together, or neither")
	}
	if e.InternalTLSCert != "" && strings.HasPrefix(e.InternalURL, "http://") {
		return invalid("edge.internal_url", e.InternalURL, "want an https:// URL when edge.internal_tls_cert is set")
	}
	return nil
}

func (c *Config) validateEdgeLimits() error {
	e := c.Edge
	if err := checkDuration("edge.max_ttl", e.MaxTTL, time.Second, 7*24*time.Hour); err != nil {
		return err
	}
	if err := checkDuration("edge.default_ttl", e.DefaultTTL, time.Second, e.MaxTTL); err != nil {
		return err
	}
	if err := checkDuration("edge.epoch_window", e.EpochWindow, time.Second, 24*time.Hour); err != nil {
		return err
	}
	if err := checkDuration("edge.sweep_interval", e.SweepInterval, 10*time.Millisecond, time.Hour); err != nil {
		return err
	}
	if err := checkDuration("edge.heartbeat_interval", e.HeartbeatInterval, 100*time.Millisecond, time.Hour); err != nil {
		return err
	}
	if e.MaxMessageSize < KiB || e.MaxMessageSize > GiB {
		return invalid("edge.max_message_size", e.MaxMessageSize, "want a size from 1KiB to 1GiB")
	}
	if e.MaxRecipients < 1 || e.MaxRecipients > 1000 {
		return invalid("edge.max_recipients", e.MaxRecipients, "want a number from 1 to 1000")
	}
	return c.validateEdgeSMTP()
}

func (c *Config) validateDev() error {
	for _, d := range c.Dev.Domains {
		if !dnsNamePattern.MatchString(d) {
			return invalid("dev.domains", d, "want DNS names in lower case such as mayfly.test")
		}
	}
	return nil
}

func checkListen(key, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return invalid(key, addr, "want host:port such as 127.0.0.1:8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return invalid(key, addr, "want a port from 0 to 65535")
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil && !dnsNamePattern.MatchString(host) && host != "localhost" {
			return invalid(key, addr, "want an IP address or host name before the port")
		}
	}
	return nil
}

func checkIPs(key string, addrs []string) error {
	if len(addrs) == 0 {
		return invalid(key, "[]", "want at least one IP address")
	}
	for _, a := range addrs {
		if _, err := netip.ParseAddr(a); err != nil {
			return invalid(key, a, "want IPv4 or IPv6 addresses")
		}
	}
	return nil
}

func checkDuration(key string, d, lo, hi time.Duration) error {
	if d < lo || d > hi {
		return invalid(key, d, fmt.Sprintf("want a duration from %v to %v", lo, hi))
	}
	return nil
}
