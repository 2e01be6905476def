package dnsserver

import (
	"crypto/ecdsa"
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/miekg/dns"
)

const (
	// signatureValidity is how long a signature is valid after the zone
	// set is built, and resignAfter how soon the set is rebuilt with fresh
	// signatures. The margin leaves resolvers days of cached answers that
	// still validate.
	signatureValidity = 7 * 24 * time.Hour
	resignAfter       = 24 * time.Hour
	// signatureBackdate covers clocks of validators that run behind ours.
	signatureBackdate = time.Hour
	// keyFlagsCSK marks a zone key that is also a secure entry point
	// (RFC 4034 §2.1.1): one combined key signs everything.
	keyFlagsCSK = 257
)

// zoneSigner signs the record sets of one zone with the shared key. It is
// built with the zone set and never modified, so handlers share it.
type zoneSigner struct {
	origin     string
	priv       *ecdsa.PrivateKey
	dnskey     *dns.DNSKEY
	inception  uint32
	expiration uint32
}

func newZoneSigner(origin string, priv *ecdsa.PrivateKey, ttl uint32, now time.Time) (*zoneSigner, error) {
	key, err := dnskeyRecord(origin, &priv.PublicKey, ttl)
	if err != nil {
		return nil, err
	}
	return &zoneSigner{
		origin:     origin,
		priv:       priv,
		dnskey:     key,
		inception:  uint32(now.Add(-signatureBackdate).Unix()),
		expiration: uint32(now.Add(signatureValidity).Unix()),
	}, nil
}

// dnskeyRecord returns the DNSKEY record of pub at origin. RFC 6605 §4
// puts the two 32-octet coordinates side by side, without the SEC1 prefix.
func dnskeyRecord(origin string, pub *ecdsa.PublicKey, ttl uint32) (*dns.DNSKEY, error) {
	point, err := pub.Bytes()
	if err != nil || len(point) != 65 {
		return nil, fmt.Errorf("encode dnssec public key: %w", err)
	}
	return &dns.DNSKEY{
		Hdr:       header(origin, dns.TypeDNSKEY, ttl),
		Flags:     keyFlagsCSK,
		Protocol:  3,
		Algorithm: dns.ECDSAP256SHA256,
		PublicKey: base64.StdEncoding.EncodeToString(point[1:]),
	}, nil
}

// sign returns the RRSIG of rrset, whose records share owner, type and TTL.
func (s *zoneSigner) sign(rrset []dns.RR) (*dns.RRSIG, error) {
	h := rrset[0].Header()
	sig := &dns.RRSIG{
		Hdr:        dns.RR_Header{Name: h.Name, Rrtype: dns.TypeRRSIG, Class: dns.ClassINET, Ttl: h.Ttl},
		Algorithm:  dns.ECDSAP256SHA256,
		KeyTag:     s.dnskey.KeyTag(),
		SignerName: s.origin,
		Inception:  s.inception,
		Expiration: s.expiration,
	}
	if err := sig.Sign(s.priv, rrset); err != nil {
		return nil, fmt.Errorf("sign %s %s: %w", h.Name, dns.TypeToString[h.Rrtype], err)
	}
	return sig, nil
}

// signZone adds the DNSKEY record set at the apex and an RRSIG for every
// record set of z.
func signZone(z *zone, s *zoneSigner) error {
	z.add(s.dnskey)
	z.signer = s
	for _, sets := range z.nodes {
		if err := signNode(sets, s); err != nil {
			return err
		}
	}
	return nil
}

// signNode adds the signatures of every record set of one name.
func signNode(sets rrsets, s *zoneSigner) error {
	types := make([]uint16, 0, len(sets))
	for t := range sets {
		if t != dns.TypeRRSIG {
			types = append(types, t)
		}
	}
	slices.Sort(types) // a stable order keeps AXFR output deterministic
	for _, t := range types {
		sig, err := s.sign(sets[t])
		if err != nil {
			return err
		}
		sets[dns.TypeRRSIG] = append(sets[dns.TypeRRSIG], sig)
	}
	return nil
}

// signaturesFor returns the RRSIGs in sets that cover rrtype.
func signaturesFor(sets rrsets, rrtype uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range sets[dns.TypeRRSIG] {
		if rr.(*dns.RRSIG).TypeCovered == rrtype {
			out = append(out, rr)
		}
	}
	return out
}

// compactDenial returns the NSEC record of RFC 9824 for owner and its
// signature. The NSEC states that owner has exactly types and that no name
// lies between owner and its immediate successor, \000.owner. The signer
// signs it at query time, so no zone walk is possible.
func (s *zoneSigner) compactDenial(owner string, types []uint16, ttl uint32) ([]dns.RR, error) {
	next := "\\000." + owner
	if len(owner)+2 > 254 {
		// No successor fits in 255 octets. The proof needs only the
		// owner and the type bitmap, so the NSEC points at itself.
		next = owner
	}
	bitmap := slices.Clone(types)
	bitmap = append(bitmap, dns.TypeNSEC, dns.TypeRRSIG)
	slices.Sort(bitmap)
	bitmap = slices.Compact(bitmap)

	nsec := &dns.NSEC{Hdr: header(owner, dns.TypeNSEC, ttl), NextDomain: next, TypeBitMap: bitmap}
	sig, err := s.sign([]dns.RR{nsec})
	if err != nil {
		return nil, err
	}
	return []dns.RR{nsec, sig}, nil
}
