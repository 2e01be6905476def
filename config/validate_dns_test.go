package config

import (
	"strings"
	"testing"
)

// TestLoad_DNSServingKeys loads the transfer, rate-limit, cookie and geo
// keys from a file, and checks that each bad value stops loading with the
// key, the value and what is allowed.
func TestLoad_DNSServingKeys(t *testing.T) {
	const valid = `
control:
  dns:
    cookie_secret: 000102030405060708090a0b0c0d0e0f
    transfer:
      tsig_keys: [{name: xfr.mayfly-ops.test, secret: c28xWkdpcjRHUEFxSU5OaDlVNWMzQT09}]
      allow: [{prefix: 192.0.2.0/24, key: xfr.mayfly-ops.test}]
      notify: [{addr: "192.0.2.10:53", key: xfr.mayfly-ops.test}]
    rate_limit: {rate: 50, slip: 3, ipv4_prefix: 24, ipv6_prefix: 56}
    geo:
      name: www.mayfly-ops.test
      default_region: local
      subnets: [{prefix: 198.51.100.0/24, region: eu}]
`
	cfg, err := Load(Source{File: writeFile(t, valid)})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	dns := cfg.Control.DNS
	if len(dns.Transfer.Allow) != 1 || dns.Transfer.Allow[0].Key != "xfr.mayfly-ops.test" || dns.RateLimit.Slip != 3 || dns.Geo.Subnets[0].Region != "eu" {
		t.Errorf("loaded dns section: got %+v", dns)
	}

	cases := []struct {
		name, from, to string
		want           []string
	}{
		{"short secret", "c28xWkdpcjRHUEFxSU5OaDlVNWMzQT09", "c2hvcnQ=", []string{"tsig_keys[0].secret", "base64"}},
		{"bad prefix", "192.0.2.0/24", "192.0.2.0/33", []string{"transfer.allow[0].prefix", "192.0.2.0/33", "address prefix"}},
		{"unknown key", "key: xfr.mayfly-ops.test}]\n      notify", "key: other.test}]\n      notify", []string{"transfer.allow[0].key", "other.test", "tsig_keys"}},
		{"notify without port", `"192.0.2.10:53"`, `"192.0.2.10"`, []string{"transfer.notify[0].addr", "IP address and port"}},
		{"negative rate", "rate: 50", "rate: -1", []string{"rate_limit.rate", "-1", "0 (off)"}},
		{"ipv6 prefix", "ipv6_prefix: 56", "ipv6_prefix: 200", []string{"rate_limit.ipv6_prefix", "200", "16 to 128"}},
		{"cookie secret", "0e0f\n", "0e\n", []string{"control.dns.cookie_secret", "32 hex digits"}},
		{"geo region", "region: eu}", "region: EU West}", []string{"geo.subnets[0].region", "EU West"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.Replace(valid, tc.from, tc.to, 1)
			if body == valid {
				t.Fatalf("replacement of %q changed nothing", tc.from)
			}
			_, err := Load(Source{File: writeFile(t, body)})
			if err == nil {
				t.Fatalf("Load succeeded, want an error")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
