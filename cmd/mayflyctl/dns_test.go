package main

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// TestCLI_DNSDS checks that mayfly dev signs its zones from the start and
// that mayflyctl dns ds prints the DS record of the served key.
func TestCLI_DNSDS(t *testing.T) {
	bin := buildBinaries(t)
	dev := startDevProcess(t, bin)
	operator := []string{"MAYFLY_TOKEN=" + dev.token}

	line := strings.TrimSpace(dev.ctlOK(t, bin, operator, "dns", "ds", "mayfly.test"))
	rr, err := dns.NewRR(line)
	if err != nil {
		t.Fatalf("dns ds printed %q, want a DS record: %v", line, err)
	}
	ds, ok := rr.(*dns.DS)
	if !ok || ds.Hdr.Name != "mayfly.test." || ds.Algorithm != dns.ECDSAP256SHA256 || ds.DigestType != dns.SHA256 {
		t.Fatalf("dns ds printed %q, want a SHA-256 DS of mayfly.test. for algorithm 13", line)
	}

	resp := decodeJSON[wire.DSResponse](t, dev.ctlOK(t, bin, operator, "dns", "ds", "mayfly.test", "--output", "json"))
	key, err := dns.NewRR(resp.DNSKEY)
	if err != nil {
		t.Fatalf("DNSKEY %q: %v", resp.DNSKEY, err)
	}
	if want := key.(*dns.DNSKEY).ToDS(dns.SHA256); !strings.EqualFold(want.Digest, ds.Digest) || want.KeyTag != ds.KeyTag {
		t.Errorf("DS digest: got %s, want the digest of the printed DNSKEY, %s", ds, want)
	}

	_, errOut, code := dev.ctl(t, bin, operator, "dns", "ds", "example.org")
	if code == 0 || !strings.Contains(errOut, "not served") {
		t.Errorf("dns ds of a zone not served: exit %d, stderr %q, want non-zero and a not-served error", code, errOut)
	}
	dev.stop(t)
}
