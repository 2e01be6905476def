package controlplane

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// EnsureDNSSECKey generates the zone-signing key and replicates it, unless
// the cluster has one already. The key is generated here, on the proposer,
// so that every replica applies the same one. Safe to call on every start
// and from several nodes at once: the first key committed wins.
func (n *Node) EnsureDNSSECKey(ctx context.Context) error {
	if len(n.State().DNSSEC) > 0 {
		return nil
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate dnssec key: %w", err)
	}
	raw, err := priv.Bytes()
	if err != nil {
		return fmt.Errorf("encode dnssec key: %w", err)
	}
	key := state.DNSSECKey{
		Algorithm:  dns.ECDSAP256SHA256,
		PrivateKey: base64.StdEncoding.EncodeToString(raw),
		CreatedAt:  time.Now().UTC(),
	}
	_, err = n.propose(ctx, fsm.TypeSetDNSSECKey, fsm.SetDNSSECKey{Key: key})
	if errors.Is(err, fsm.ErrDNSSECKeyExists) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("set dnssec key: %w", err)
	}
	return nil
}

// enableDNSSEC handles POST /v1/dns/dnssec: it makes sure the cluster has
// a signing key and answers with nothing to show but success.
func (n *Node) enableDNSSEC(w http.ResponseWriter, r *http.Request) {
	if err := n.EnsureDNSSECKey(r.Context()); err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// showDS handles GET /v1/dns/ds/{zone}: the DS records that the zone's
// parent must publish for resolvers to validate it.
func (n *Node) showDS(w http.ResponseWriter, r *http.Request) {
	zone := state.CanonicalName(chi.URLParam(r, "zone"))
	s, err := n.readState(r)
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	if !servesZone(s, zone) {
		writeError(w, http.StatusNotFound, "zone_not_found", fmt.Sprintf("zone %q is not served: want an active, retiring or retired pool domain or the operations zone", zone))
		return
	}
	if len(s.DNSSEC) == 0 {
		writeError(w, http.StatusConflict, "dnssec_off", "the zones are not signed: enable DNSSEC first (control.dns.dnssec, or POST /v1/dns/dnssec)")
		return
	}
	resp, err := dsResponse(zone, s.DNSSEC[0], s.DNS.TTL)
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// servesZone reports whether the DNS server of a node with state s serves
// zone (canonical, without a trailing dot).
func servesZone(s *state.State, zone string) bool {
	if zone != "" && zone == s.DNS.OpsZone {
		return true
	}
	d, ok := s.Domain(zone)
	return ok && d.Status != state.Standby
}

// dsResponse derives the DNSKEY and its SHA-256 DS record (RFC 4509) for
// zone from the key.
func dsResponse(zone string, key state.DNSSECKey, ttl uint32) (wire.DSResponse, error) {
	priv, err := key.ECDSAKey()
	if err != nil {
		return wire.DSResponse{}, err
	}
	point, err := priv.PublicKey.Bytes()
	if err != nil {
		return wire.DSResponse{}, fmt.Errorf("encode dnssec public key: %w", err)
	}
	dnskey := &dns.DNSKEY{
		Hdr:       dns.RR_Header{Name: dns.Fqdn(zone), Rrtype: dns.TypeDNSKEY, Class: dns.ClassINET, Ttl: ttl},
		Flags:     257,
		Protocol:  3,
		Algorithm: dns.ECDSAP256SHA256,
		// RFC 6605 §4: the two coordinates without the SEC1 prefix octet.
		PublicKey: base64.StdEncoding.EncodeToString(point[1:]),
	}
	ds := dnskey.ToDS(dns.SHA256)
	if ds == nil {
		return wire.DSResponse{}, errors.New("derive ds record: digest failed")
	}
	return wire.DSResponse{Zone: zone, KeyTag: dnskey.KeyTag(), DS: ds.String(), DNSKEY: dnskey.String()}, nil
}

// RegisterDNSMetrics adds the DNS server's collector to the node's
// registry, so that GET /metrics serves the DNS metrics with the node's.
// The DNS server lives outside this package, which must not import it.
func (n *Node) RegisterDNSMetrics(c prometheus.Collector) error {
	if err := n.metrics.registry.Register(c); err != nil {
		return fmt.Errorf("register dns metrics: %w", err)
	}
	return nil
}
