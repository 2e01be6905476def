package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane"
	"github.com/mayfly-mail/mayfly/dnsserver"
)

// seedDNS writes the configured DNS settings unless the state has them
// already and, with DNSSEC on, makes sure the cluster has a signing key.
// It runs on the node that founds the cluster, once it leads.
func seedDNS(ctx context.Context, node *controlplane.Node, c config.DNS) error {
	settings := dnsSettings(c)
	current := node.State().DNS
	current.OpsSerial = 0
	if !reflect.DeepEqual(current, settings) {
		if err := node.SetDNSSettings(ctx, settings); err != nil {
			return fmt.Errorf("seed dns settings: %w", err)
		}
	}
	if c.DNSSEC {
		if err := node.EnsureDNSSECKey(ctx); err != nil {
			return fmt.Errorf("seed dnssec key: %w", err)
		}
	}
	return nil
}

// startDNSServer serves DNS on the configured address from the node's
// replica of the state, with its metrics on the node's GET /metrics.
func startDNSServer(cfg config.Config, node *controlplane.Node, logger *slog.Logger) (*dnsserver.Server, error) {
	dnsCfg, err := dnsServerConfig(cfg.Control)
	if err != nil {
		return nil, fmt.Errorf("start dns server: %w", err)
	}
	dnsCfg.Logger = logger.With("component", "dns")
	dnsCfg.Source = node.State
	srv, err := dnsserver.New(dnsCfg)
	if err != nil {
		return nil, fmt.Errorf("start dns server: %w", err)
	}
	if err := node.RegisterDNSMetrics(srv.Collector()); err != nil {
		return nil, fmt.Errorf("start dns server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start dns server: %w", err)
	}
	return srv, nil
}

// dnsServerConfig converts the validated configuration keys to the DNS
// server's configuration.
func dnsServerConfig(c config.Control) (dnsserver.Config, error) {
	d := c.DNS
	out := dnsserver.Config{
		Addr: c.DNSListen,
		RateLimit: dnsserver.RateLimit{
			Rate: d.RateLimit.Rate, Slip: d.RateLimit.Slip,
			IPv4Prefix: d.RateLimit.IPv4Prefix, IPv6Prefix: d.RateLimit.IPv6Prefix,
		},
		Geo: dnsserver.Geo{Name: d.Geo.Name, DefaultRegion: d.Geo.DefaultRegion},
	}
	secret, err := hex.DecodeString(d.CookieSecret.Reveal())
	if err != nil {
		return out, fmt.Errorf("control.dns.cookie_secret: %w", err)
	}
	out.CookieSecret = secret

	for _, k := range d.Transfer.TSIGKeys {
		out.Transfer.Keys = append(out.Transfer.Keys, dnsserver.TSIGKey{Name: k.Name, Secret: k.Secret.Reveal()})
	}
	for _, r := range d.Transfer.Allow {
		prefix, err := netip.ParsePrefix(r.Prefix)
		if err != nil {
			return out, fmt.Errorf("control.dns.transfer.allow: %w", err)
		}
		out.Transfer.Allow = append(out.Transfer.Allow, dnsserver.TransferRule{Prefix: prefix.Masked(), Key: r.Key})
	}
	for _, n := range d.Transfer.Notify {
		out.Transfer.Notify = append(out.Transfer.Notify, dnsserver.NotifyTarget{Addr: n.Addr, Key: n.Key})
	}
	for _, s := range d.Geo.Subnets {
		prefix, err := netip.ParsePrefix(s.Prefix)
		if err != nil {
			return out, fmt.Errorf("control.dns.geo.subnets: %w", err)
		}
		out.Geo.Subnets = append(out.Geo.Subnets, dnsserver.GeoSubnet{Prefix: prefix.Masked(), Region: s.Region})
	}
	return out, nil
}
