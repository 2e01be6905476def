package main

import (
	"fmt"
	"log/slog"

	"github.com/mayfly-mail/mayfly/blocklist"
	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane"
	"github.com/mayfly-mail/mayfly/controlplane/policy"
)

// rotationConfig builds the blocklist checkers and the rotation policy of
// control.blocklist.
func rotationConfig(cfg config.Config, logger *slog.Logger) (controlplane.RotationConfig, error) {
	b := cfg.Control.Blocklist
	checkers, err := blocklist.NewCheckers(checkerConfig(b), logger.With("component", "blocklist"))
	if err != nil {
		return controlplane.RotationConfig{}, fmt.Errorf("configure blocklists: %w", err)
	}
	return controlplane.RotationConfig{
		Checkers: checkers,
		Policy: policy.Config{
			RetireCategories: b.RetireCategories,
			MinActive:        b.MinActive,
			RegionMinActive:  b.RegionMinActive,
			MaxExposure:      b.MaxExposure,
			RetiringGrace:    cfg.EffectiveRetiringGrace(),
		},
	}, nil
}

func checkerConfig(b config.Blocklist) blocklist.Config {
	out := blocklist.Config{Resolver: blocklist.ResolverConfig{Addr: b.Resolver, Timeout: b.Timeout, Retries: b.Retries}}
	if b.Retries == 0 {
		out.Resolver.Retries = -1 // 0 in the configuration means no retry
	}
	for _, z := range b.DNSBL {
		zone := blocklist.DNSBLConfig{
			Name: z.Name, Zone: z.Zone, Kind: blocklist.Kind(z.Kind),
			Interval: z.Interval, DailyBudget: z.DailyBudget,
		}
		if zone.Interval == 0 {
			zone.Interval = b.Interval
		}
		if zone.DailyBudget == 0 {
			zone.DailyBudget = b.DailyBudget
		}
		if zone.Kind == blocklist.KindSpamhausDBL {
			zone.DQSKey = b.DQSKey.Reveal()
		}
		out.DNSBLs = append(out.DNSBLs, zone)
	}
	for _, f := range b.Feeds {
		out.Feeds = append(out.Feeds, blocklist.FeedConfig{Name: f.Name, URL: f.URL, Interval: f.Interval, MaxSize: int64(f.MaxSize)})
	}
	return out
}
