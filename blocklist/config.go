package blocklist

import (
	"fmt"
	"log/slog"
)

// Config lists the checkers to build.
type Config struct {
	// Resolver is where DNSBL queries go. An empty Resolver.Addr turns the
	// DNSBL checks off; feeds need no resolver.
	Resolver ResolverConfig
	DNSBLs   []DNSBLConfig
	Feeds    []FeedConfig
}

// NewCheckers builds a checker for every configured DNSBL and feed. List
// names must be unique. Without a resolver the DNSBLs are left out, with a
// log line that says so.
func NewCheckers(cfg Config, logger *slog.Logger) ([]Checker, error) {
	if logger == nil {
		logger = slog.Default()
	}
	var checkers []Checker
	if err := addDNSBLs(&checkers, cfg, logger); err != nil {
		return nil, err
	}
	for _, fc := range cfg.Feeds {
		if fc.Logger == nil {
			fc.Logger = logger
		}
		f, err := NewFeed(fc)
		if err != nil {
			return nil, err
		}
		checkers = append(checkers, f)
	}

	seen := map[string]bool{}
	for _, c := range checkers {
		if seen[c.Name()] {
			return nil, fmt.Errorf("invalid blocklist configuration: list name %q is used twice: names must be unique", c.Name())
		}
		seen[c.Name()] = true
	}
	return checkers, nil
}

func addDNSBLs(checkers *[]Checker, cfg Config, logger *slog.Logger) error {
	if cfg.Resolver.Addr == "" {
		logger.Info("DNSBL checks are off: no resolver is configured (control.blocklist.resolver)", "dnsbl_lists", len(cfg.DNSBLs))
		return nil
	}
	resolver, err := NewResolver(cfg.Resolver)
	if err != nil {
		return fmt.Errorf("invalid blocklist configuration: %w", err)
	}
	for _, dc := range cfg.DNSBLs {
		d, err := NewDNSBL(dc, resolver)
		if err != nil {
			return fmt.Errorf("invalid blocklist configuration: %w", err)
		}
		*checkers = append(*checkers, d)
	}
	if len(cfg.DNSBLs) == 0 {
		logger.Warn("a resolver is configured but no DNSBL zone: list zones under control.blocklist.dnsbl")
	}
	return nil
}
