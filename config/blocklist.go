package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Blocklist configures the leader's blocklist checks and the rotation of
// pool domains (control.blocklist).
type Blocklist struct {
	// Resolver is the host:port of the operator's own recursive resolver
	// that DNSBL queries go through. Empty turns the DNSBL checks off;
	// there is no default, because the lists refuse public resolvers.
	Resolver string `mapstructure:"resolver"`
	// Interval is how often a domain is checked against a DNSBL zone that
	// sets no interval of its own.
	Interval time.Duration `mapstructure:"interval"`
	// Timeout bounds one DNS query and Retries is how many times a failed
	// query is repeated, with a backoff that doubles from 200ms.
	Timeout time.Duration `mapstructure:"timeout"`
	Retries int           `mapstructure:"retries"`
	// DailyBudget bounds the queries per DNSBL zone and UTC day, for a
	// zone that sets no budget of its own; 0 means no limit.
	DailyBudget int `mapstructure:"daily_budget"`
	// DQSKey is a Spamhaus Data Query Service key, used by every zone of
	// kind spamhaus-dbl: queries go to <domain>.<key>.<zone>.
	DQSKey Secret `mapstructure:"dqs_key"`
	// DNSBL lists the DNSBL zones to check.
	DNSBL []DNSBLZone `mapstructure:"dnsbl"`
	// Feeds lists disposable-domain list feeds to check.
	Feeds []BlocklistFeed `mapstructure:"feeds"`

	// RetireCategories are the listing categories that retire a domain;
	// other listings are recorded and only inform.
	RetireCategories []string `mapstructure:"retire_categories"`
	// MinActive is the number of active domains the leader keeps in every
	// region by promoting standby domains; RegionMinActive overrides it
	// per region.
	MinActive       int            `mapstructure:"min_active"`
	RegionMinActive map[string]int `mapstructure:"region_min_active"`
	// MaxExposure retires an active domain after it has been active this
	// long; 0 turns it off.
	MaxExposure time.Duration `mapstructure:"max_exposure"`
	// RetiringGrace is how long a retiring domain keeps its MX before its
	// MX becomes null; 0 means edge.max_ttl, the longest an inbox lives.
	RetiringGrace time.Duration `mapstructure:"retiring_grace"`
}

// DNSBLZone is one DNSBL zone.
type DNSBLZone struct {
	Name string `mapstructure:"name"`
	Zone string `mapstructure:"zone"`
	// Kind is spamhaus-dbl, surbl or uribl: how the zone's answers read.
	Kind string `mapstructure:"kind"`
	// Interval and DailyBudget override the section's values when set.
	Interval    time.Duration `mapstructure:"interval"`
	DailyBudget int           `mapstructure:"daily_budget"`
}

// BlocklistFeed is one disposable-domain list: one domain per line, "#"
// comments.
type BlocklistFeed struct {
	Name string `mapstructure:"name"`
	URL  string `mapstructure:"url"`
	// Interval is how often the list is fetched; 0 means 24h.
	Interval time.Duration `mapstructure:"interval"`
	// MaxSize bounds the list's size; 0 means 16MiB.
	MaxSize ByteSize `mapstructure:"max_size"`
}

// defaultBlocklist has no resolver and no list: checks stay off until the
// operator names their own resolver and the lists they use.
func defaultBlocklist() Blocklist {
	return Blocklist{
		Interval:         time.Hour,
		Timeout:          2 * time.Second,
		Retries:          2,
		DailyBudget:      10000,
		RetireCategories: []string{"dbl-spam", "dbl-phishing", "dbl-malware", "uribl-black", "surbl-dm", "disposable"},
		MinActive:        1,
	}
}

func (c *Config) validateBlocklist() error {
	b := c.Control.Blocklist
	if err := checkResolver(b.Resolver); err != nil {
		return err
	}
	checks := []error{
		checkDuration("control.blocklist.interval", b.Interval, time.Second, 7*24*time.Hour),
		checkDuration("control.blocklist.timeout", b.Timeout, 10*time.Millisecond, time.Minute),
		checkRange("control.blocklist.retries", b.Retries, 0, 10),
		checkRange("control.blocklist.daily_budget", b.DailyBudget, 0, 100_000_000),
		checkRange("control.blocklist.min_active", b.MinActive, 1, 1000),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if err := c.validateBlocklistLists(); err != nil {
		return err
	}
	return c.validateRotation()
}

func checkResolver(addr string) error {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(port)
	if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		return invalid("control.blocklist.resolver", addr, "want host:port of your own recursive resolver, such as 127.0.0.1:53, or empty to turn DNSBL checks off")
	}
	return nil
}

func checkRange(key string, n, lo, hi int) error {
	if n < lo || n > hi {
		return invalid(key, n, fmt.Sprintf("want a number from %d to %d", lo, hi))
	}
	return nil
}

// validateBlocklistLists checks the zones and feeds and that every list
// name is unique.
func (c *Config) validateBlocklistLists() error {
	b := c.Control.Blocklist
	names := map[string]bool{}
	unique := func(key, name string) error {
		if name == "" || len(name) > 64 || names[name] {
			return invalid(key, name, "want a name of 1 to 64 characters that no other list uses")
		}
		names[name] = true
		return nil
	}
	for i, z := range b.DNSBL {
		key := fmt.Sprintf("control.blocklist.dnsbl[%d]", i)
		if err := unique(key+".name", z.Name); err != nil {
			return err
		}
		if !dnsNamePattern.MatchString(z.Zone) {
			return invalid(key+".zone", z.Zone, "want a DNS zone in lower case such as dbl.spamhaus.org")
		}
		if z.Kind != "spamhaus-dbl" && z.Kind != "surbl" && z.Kind != "uribl" {
			return invalid(key+".kind", z.Kind, "want spamhaus-dbl, surbl or uribl")
		}
		if z.Interval != 0 {
			if err := checkDuration(key+".interval", z.Interval, time.Second, 7*24*time.Hour); err != nil {
				return err
			}
		}
		if err := checkRange(key+".daily_budget", z.DailyBudget, 0, 100_000_000); err != nil {
			return err
		}
	}
	for i, f := range b.Feeds {
		key := fmt.Sprintf("control.blocklist.feeds[%d]", i)
		if err := unique(key+".name", f.Name); err != nil {
			return err
		}
		if u, err := url.Parse(f.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid(key+".url", f.URL, "want an http:// or https:// URL of a list with one domain per line")
		}
		if f.Interval != 0 {
			if err := checkDuration(key+".interval", f.Interval, time.Second, 30*24*time.Hour); err != nil {
				return err
			}
		}
		if f.MaxSize < 0 || f.MaxSize > GiB {
			return invalid(key+".max_size", f.MaxSize, "want a size up to 1GiB, or 0 for 16MiB")
		}
	}
	return nil
}

func (c *Config) validateRotation() error {
	b := c.Control.Blocklist
	for region, n := range b.RegionMinActive {
		if !regionPattern.MatchString(region) {
			return invalid("control.blocklist.region_min_active", region, "want region names of a-z, 0-9 and -")
		}
		if err := checkRange("control.blocklist.region_min_active."+region, n, 1, 1000); err != nil {
			return err
		}
	}
	if b.MaxExposure != 0 {
		if err := checkDuration("control.blocklist.max_exposure", b.MaxExposure, time.Minute, 10*365*24*time.Hour); err != nil {
			return err
		}
	}
	if b.RetiringGrace != 0 && b.RetiringGrace < c.Edge.MaxTTL {
		return invalid("control.blocklist.retiring_grace", b.RetiringGrace,
			fmt.Sprintf("want at least edge.max_ttl (%v), so that no inbox on a retired domain still waits for mail, or 0 for edge.max_ttl", c.Edge.MaxTTL))
	}
	return nil
}

// EffectiveRetiringGrace returns RetiringGrace, or edge.max_ttl when it
// is zero.
func (c *Config) EffectiveRetiringGrace() time.Duration {
	if c.Control.Blocklist.RetiringGrace > 0 {
		return c.Control.Blocklist.RetiringGrace
	}
	return c.Edge.MaxTTL
}
