package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/blocklist/blocklisttest"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// startBlocklistDev runs mayfly dev with a fake DBL that checks every
// 200ms, a spare standby domain, and mayfly.test listed.
func startBlocklistDev(t *testing.T, bin binaries) (*devProcess, []string) {
	t.Helper()
	fake := blocklisttest.StartDNS(t)
	fake.List("mayfly.test.dbl.blocklist.test", "127.0.1.2")
	fake.List("spare.test.dbl.blocklist.test", "127.255.255.254")
	file := filepath.Join(t.TempDir(), "mayfly.yaml")
	config := `control:
  blocklist:
    resolver: ` + fake.Addr + `
    timeout: 500ms
    dnsbl:
      - {name: dbl, zone: dbl.blocklist.test, kind: spamhaus-dbl, interval: 1s}
    min_active: 2
`
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startDevProcess(t, bin, "--config", file)
	env := []string{"MAYFLY_TOKEN=" + p.token}
	p.ctlOK(t, bin, env, "domains", "add", "spare.test", "--standby")
	return p, env
}

func TestCLI_BlocklistRotation(t *testing.T) {
	bin := buildBinaries(t)
	p, env := startBlocklistDev(t, bin)

	t.Run("blocklist check", func(t *testing.T) {
		out := p.ctlOK(t, bin, env, "blocklist", "check", "mayfly.test")
		if !strings.Contains(out, "dbl") || !strings.Contains(out, "listed") || !strings.Contains(out, "dbl-spam") || !strings.Contains(out, "yes") {
			t.Errorf("blocklist check output:\n%s\nwant dbl listed as dbl-spam, retiring", out)
		}
		out = p.ctlOK(t, bin, env, "blocklist", "check", "spare.test", "--output", "json")
		resp := decodeJSON[wire.BlocklistCheckResponse](t, out)
		if len(resp.Results) != 1 || resp.Results[0].Verdict != "no_verdict" || resp.Results[0].Problem != "error_code" || resp.Results[0].Retires {
			t.Errorf("check of spare.test = %+v, want no verdict from an error code", resp.Results)
		}
	})

	deadline := time.Now().Add(20 * time.Second)
	for {
		out := p.ctlOK(t, bin, env, "domains", "show", "mayfly.test", "--output", "json")
		if decodeJSON[wire.DomainChecksResponse](t, out).Domain.Status == "retiring" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mayfly.test not retiring within 20s:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}

	t.Run("domains show", func(t *testing.T) {
		out := p.ctlOK(t, bin, env, "domains", "show", "mayfly.test")
		for _, want := range []string{"retiring", "evidence history", "dbl-spam", "127.0.1.2", "useful life"} {
			if !strings.Contains(out, want) {
				t.Errorf("domains show output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("domains pool", func(t *testing.T) {
		// The promotion follows the retirement within one round.
		deadline := time.Now().Add(10 * time.Second)
		for {
			out := p.ctlOK(t, bin, env, "domains", "pool", "--output", "json")
			pool := decodeJSON[wire.PoolResponse](t, out)
			if len(pool.Regions) == 1 && pool.Regions[0].Active == 2 && pool.Regions[0].Retiring == 1 && pool.Regions[0].StandbyEmpty {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pool = %+v, want 2 active, 1 retiring and an empty standby pool", pool.Regions)
			}
			time.Sleep(100 * time.Millisecond)
		}
		out := p.ctlOK(t, bin, env, "domains", "pool")
		if !strings.Contains(out, "standby empty") {
			t.Errorf("pool table:\n%s\nwant the region marked standby empty", out)
		}
	})
}
