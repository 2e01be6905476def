package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLoad_BlocklistFromFileAndEnvironment(t *testing.T) {
	file := writeFile(t, `control:
  blocklist:
    resolver: 127.0.0.1:5353
    dnsbl:
      - {name: dbl, zone: dbl.example.test, kind: spamhaus-dbl, interval: 30m}
      - {name: uribl, zone: multi.uribl.example.test, kind: uribl}
    feeds:
      - {name: disposable, url: "https://lists.example.test/d.txt", max_size: 2MiB}
    region_min_active: {eu: 3}
    retiring_grace: 200h
`)
	t.Setenv("MAYFLY_CONTROL_BLOCKLIST_DQS_KEY", "querykey")
	cfg, err := Load(Source{File: file})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	b := cfg.Control.Blocklist
	if b.Resolver != "127.0.0.1:5353" || len(b.DNSBL) != 2 || b.DNSBL[0].Interval != 30*time.Minute || b.DNSBL[1].Kind != "uribl" {
		t.Errorf("blocklist = %+v, want the file's resolver and zones", b)
	}
	if len(b.Feeds) != 1 || b.Feeds[0].MaxSize != 2*MiB {
		t.Errorf("feeds = %+v, want one of 2MiB", b.Feeds)
	}
	if b.DQSKey.Reveal() != "querykey" || b.RegionMinActive["eu"] != 3 {
		t.Errorf("dqs key %q, region minimum %v; want the environment's key and eu: 3", b.DQSKey.Reveal(), b.RegionMinActive)
	}
	if got := cfg.EffectiveRetiringGrace(); got != 200*time.Hour {
		t.Errorf("retiring grace = %s, want 200h", got)
	}
}

func TestLoad_BlocklistOffByDefault(t *testing.T) {
	cfg, err := Load(Source{})
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Control.Blocklist
	if b.Resolver != "" || len(b.DNSBL) != 0 || len(b.Feeds) != 0 {
		t.Errorf("default blocklist = %+v, want no resolver, zone or feed", b)
	}
	if got := cfg.EffectiveRetiringGrace(); got != cfg.Edge.MaxTTL {
		t.Errorf("default retiring grace = %s, want edge.max_ttl %s", got, cfg.Edge.MaxTTL)
	}
}

func TestValidate_BlocklistRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Blocklist)
		key    string
	}{
		{"resolver without port", func(b *Blocklist) { b.Resolver = "127.0.0.1" }, "control.blocklist.resolver"},
		{"resolver port zero", func(b *Blocklist) { b.Resolver = "127.0.0.1:0" }, "control.blocklist.resolver"},
		{"unknown kind", func(b *Blocklist) {
			b.DNSBL = []DNSBLZone{{Name: "x", Zone: "x.example.test", Kind: "rbl"}}
		}, "control.blocklist.dnsbl[0].kind"},
		{"bad zone", func(b *Blocklist) {
			b.DNSBL = []DNSBLZone{{Name: "x", Zone: "Not A Zone", Kind: "surbl"}}
		}, "control.blocklist.dnsbl[0].zone"},
		{"duplicate name", func(b *Blocklist) {
			b.DNSBL = []DNSBLZone{{Name: "x", Zone: "x.example.test", Kind: "surbl"}}
			b.Feeds = []BlocklistFeed{{Name: "x", URL: "https://lists.example.test/x"}}
		}, "control.blocklist.feeds[0].name"},
		{"feed not http", func(b *Blocklist) { b.Feeds = []BlocklistFeed{{Name: "f", URL: "file:///etc/list"}} }, "control.blocklist.feeds[0].url"},
		{"interval too short", func(b *Blocklist) { b.Interval = time.Millisecond }, "control.blocklist.interval"},
		{"min active zero", func(b *Blocklist) { b.MinActive = 0 }, "control.blocklist.min_active"},
		{"region minimum zero", func(b *Blocklist) { b.RegionMinActive = map[string]int{"eu": 0} }, "control.blocklist.region_min_active.eu"},
		{"grace below max ttl", func(b *Blocklist) { b.RetiringGrace = time.Hour }, "control.blocklist.retiring_grace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Default()
			tt.change(&cfg.Control.Blocklist)
			err := cfg.Validate()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("error = %v, want %v naming %s", err, ErrInvalid, tt.key)
			}
		})
	}
}
