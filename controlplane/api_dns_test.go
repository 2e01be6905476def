package controlplane

import (
	"net/http"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

func TestAPI_DNSSECKeyAndDS(t *testing.T) {
	n := startLeader(t)
	callJSON(t, n, "POST", "/v1/domains", testOperatorToken,
		wire.AddDomainsRequest{Names: []string{"mayfly.test"}, Region: "local"}, http.StatusCreated, nil)

	// Unsigned zones have no DS to publish.
	if status, body := call(t, n, "GET", "/v1/dns/ds/mayfly.test", testOperatorToken, nil); status != http.StatusConflict {
		t.Errorf("DS before DNSSEC: got %d (%s), want 409", status, body)
	}

	callJSON(t, n, "POST", "/v1/dns/dnssec", testOperatorToken, nil, http.StatusNoContent, nil)
	key := n.State().DNSSEC
	if len(key) != 1 {
		t.Fatalf("dnssec keys after enabling: got %d, want 1", len(key))
	}
	// Enabling again keeps the key that the published DS hashes.
	callJSON(t, n, "POST", "/v1/dns/dnssec", testOperatorToken, nil, http.StatusNoContent, nil)
	if again := n.State().DNSSEC; len(again) != 1 || again[0] != key[0] {
		t.Errorf("dnssec key after enabling twice: changed, want it kept")
	}

	var resp wire.DSResponse
	callJSON(t, n, "GET", "/v1/dns/ds/MAYFLY.test.", testOperatorToken, nil, http.StatusOK, &resp)
	checkDS(t, resp, "mayfly.test.")

	if status, _ := call(t, n, "GET", "/v1/dns/ds/example.org", testOperatorToken, nil); status != http.StatusNotFound {
		t.Errorf("DS of a zone not served: got %d, want 404", status)
	}
	if status, _ := call(t, n, "GET", "/v1/dns/ds/mayfly.test", "", nil); status != http.StatusUnauthorized {
		t.Errorf("DS without a token: got %d, want 401", status)
	}
}

// checkDS checks that the DS record of resp is the SHA-256 digest of its
// DNSKEY at zone, with algorithm 13 and the key tag.
func checkDS(t *testing.T, resp wire.DSResponse, zone string) {
	t.Helper()
	dsRR, err := dns.NewRR(resp.DS)
	if err != nil {
		t.Fatalf("parse DS %q: %v", resp.DS, err)
	}
	keyRR, err := dns.NewRR(resp.DNSKEY)
	if err != nil {
		t.Fatalf("parse DNSKEY %q: %v", resp.DNSKEY, err)
	}
	ds, key := dsRR.(*dns.DS), keyRR.(*dns.DNSKEY)
	want := key.ToDS(dns.SHA256)
	if ds.Hdr.Name != zone || ds.Algorithm != dns.ECDSAP256SHA256 || ds.DigestType != dns.SHA256 || !strings.EqualFold(ds.Digest, want.Digest) {
		t.Errorf("DS: got %s, want %s", ds, want)
	}
	if ds.KeyTag != resp.KeyTag || key.KeyTag() != resp.KeyTag || key.Flags != 257 {
		t.Errorf("key tag: got DS %d, response %d, DNSKEY %d with flags %d, want equal tags and flags 257", ds.KeyTag, resp.KeyTag, key.KeyTag(), key.Flags)
	}
}
