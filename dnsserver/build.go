package dnsserver

import (
	"crypto/ecdsa"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

const (
	spfRecord   = "v=spf1 -all"
	dmarcRecord = "v=DMARC1; p=reject"
	// mxPreference is the preference of every edge MX record. All edges of a
	// region are equal, so senders spread across them.
	mxPreference = 10
)

// zoneParams holds the values every zone shares, taken from the DNS
// settings as stored. The control plane validates them.
type zoneParams struct {
	nameServers []string // host names, lower-case and fully qualified
	hostmaster  string   // SOA RNAME in mailbox form, empty if unset
	ttl         uint32
	negativeTTL uint32
	refresh     uint32
	retry       uint32
	expire      uint32
}

// buildOptions are the inputs of a zone set that come from the server's
// configuration and clock rather than from the state.
type buildOptions struct {
	geo    Geo
	now    time.Time
	logger *slog.Logger
}

// buildZoneSet builds the zones of st without GeoDNS, signing with the
// current time.
func buildZoneSet(st *state.State, logger *slog.Logger) *zoneSet {
	return buildOptions{now: time.Now(), logger: logger}.build(st)
}

// build builds the zones of st. A nil state gives an empty set, so every
// query is refused until the first state arrives.
func (o buildOptions) build(st *state.State) *zoneSet {
	zs := &zoneSet{state: st, zones: map[string]*zone{}, replies: newReplyCache()}
	if st == nil {
		return zs
	}
	logger := o.logger

	params := newZoneParams(st.DNS, logger)
	mxHosts := regionMXHosts(st, logger)
	for _, d := range st.DomainList() {
		if d.Status == state.Standby {
			continue
		}
		origin, ok := validName(d.Name)
		if !ok {
			logger.Warn("dns skipped pool domain with invalid name", "domain", d.Name)
			continue
		}
		zs.zones[origin] = buildPoolZone(origin, d, mxHosts[d.Region], params)
	}
	o.addOpsZone(zs, st, params)

	if g, z := newGeoName(zs, st, o.geo, params.ttl, logger); g != nil {
		g.attach(z)
		zs.geoName = g.name
	}
	o.sign(zs, st, params)
	return zs
}

// addOpsZone adds the operations zone, when the settings name one.
func (o buildOptions) addOpsZone(zs *zoneSet, st *state.State, params zoneParams) {
	if st.DNS.OpsZone == "" {
		return
	}
	origin, ok := validName(st.DNS.OpsZone)
	if !ok {
		o.logger.Warn("dns skipped operations zone with invalid name", "zone", st.DNS.OpsZone)
		return
	}
	if _, clash := zs.zones[origin]; clash {
		// The name-server addresses matter to every zone, so they win.
		o.logger.Warn("dns operations zone is also a pool domain, serving the operations zone", "zone", origin)
	}
	zs.zones[origin] = buildOpsZone(origin, st, params, o.logger)
}

// sign signs every zone with the state's DNSSEC key, if it has one, and
// sets when the set needs fresh signatures. A key that cannot be used
// leaves the zones unsigned, which validators treat as insecure rather
// than bogus only while no DS is published.
func (o buildOptions) sign(zs *zoneSet, st *state.State, params zoneParams) {
	if len(st.DNSSEC) == 0 {
		return
	}
	priv, err := st.DNSSEC[0].ECDSAKey()
	if err != nil {
		o.logger.Error("dns zones served unsigned: dnssec key unusable", "error", err)
		return
	}
	for origin, z := range zs.zones {
		if err := signWithKey(z, origin, priv, params.ttl, o.now); err != nil {
			o.logger.Error("dns zone served unsigned: signing failed", "zone", origin, "error", err)
			z.signer, z.negativeSOASig = nil, nil
		}
	}
	zs.refreshAt = o.now.Add(resignAfter)
}

// signWithKey signs z, its negative SOA and its geo records.
func signWithKey(z *zone, origin string, priv *ecdsa.PrivateKey, ttl uint32, now time.Time) error {
	signer, err := newZoneSigner(origin, priv, ttl, now)
	if err != nil {
		return err
	}
	if err := signZone(z, signer); err != nil {
		return err
	}
	if z.geo != nil {
		if err := z.geo.sign(signer); err != nil {
			return err
		}
	}
	soaSig := signaturesFor(z.nodes[origin], dns.TypeSOA)[0]
	negative := dns.Copy(soaSig)
	negative.Header().Ttl = z.negativeSOA.Hdr.Ttl
	z.negativeSOASig = negative
	return nil
}

func newZoneParams(s state.DNSSettings, logger *slog.Logger) zoneParams {
	p := zoneParams{
		hostmaster:  s.Hostmaster,
		ttl:         s.TTL,
		negativeTTL: s.NegativeTTL,
		refresh:     s.Refresh,
		retry:       s.Retry,
		expire:      s.Expire,
	}
	for _, ns := range s.NameServers {
		host, ok := validName(ns.Host)
		if !ok {
			logger.Warn("dns skipped name server with invalid host name", "host", ns.Host)
			continue
		}
		if !slices.Contains(p.nameServers, host) {
			p.nameServers = append(p.nameServers, host)
		}
	}
	return p
}

// regionMXHosts returns, for every region, the sorted distinct MX hosts of
// its edges that are healthy and not draining.
func regionMXHosts(st *state.State, logger *slog.Logger) map[string][]string {
	out := map[string][]string{}
	for _, e := range st.Edges {
		if e.Draining || !e.Healthy || e.MXHost == "" {
			continue
		}
		host, ok := validName(e.MXHost)
		if !ok {
			logger.Warn("dns skipped edge with invalid MX host", "edge_id", e.ID, "host", e.MXHost)
			continue
		}
		if !slices.Contains(out[e.Region], host) {
			out[e.Region] = append(out[e.Region], host)
		}
	}
	for _, hosts := range out {
		slices.Sort(hosts)
	}
	return out
}

// buildPoolZone builds the zone of one pool domain that is not standby.
func buildPoolZone(origin string, d state.Domain, mxHosts []string, p zoneParams) *zone {
	z := newZone(p.soa(origin, d.Serial))
	addNameServers(z, p)

	if d.Status.ServesMail() {
		for _, host := range mxHosts {
			z.add(&dns.MX{Hdr: header(origin, dns.TypeMX, p.ttl), Preference: mxPreference, Mx: host})
		}
	} else {
		// RFC 7505 §3: a null MX has preference 0 and the root as exchange.
		z.add(&dns.MX{Hdr: header(origin, dns.TypeMX, p.ttl), Preference: 0, Mx: "."})
	}

	z.add(&dns.TXT{Hdr: header(origin, dns.TypeTXT, p.ttl), Txt: []string{spfRecord}})
	z.add(&dns.TXT{Hdr: header("_dmarc."+origin, dns.TypeTXT, p.ttl), Txt: []string{dmarcRecord}})
	return z
}

// buildOpsZone builds the operations zone: SOA, NS and the addresses of the
// name-server hosts and edge MX hosts inside it. Draining edges keep their
// addresses, and so do unhealthy ones, because senders may still hold
// their MX records in cache.
func buildOpsZone(origin string, st *state.State, p zoneParams, logger *slog.Logger) *zone {
	z := newZone(p.soa(origin, st.DNS.OpsSerial))
	addNameServers(z, p)

	hosts := map[string][]string{}
	addHost := func(name string, addrs []string) {
		host, ok := validName(name)
		if ok && dns.IsSubDomain(origin, host) {
			hosts[host] = append(hosts[host], addrs...)
		}
	}
	for _, ns := range st.DNS.NameServers {
		addHost(ns.Host, ns.Addrs)
	}
	for _, e := range st.Edges {
		addHost(e.MXHost, e.Addrs)
	}

	for _, host := range slices.Sorted(maps.Keys(hosts)) {
		for _, addr := range parseAddrs(host, hosts[host], logger) {
			z.add(addressRecord(host, addr, p.ttl))
		}
	}
	return z
}

func addNameServers(z *zone, p zoneParams) {
	for _, host := range p.nameServers {
		z.add(&dns.NS{Hdr: header(z.origin, dns.TypeNS, p.ttl), Ns: host})
	}
}

// soa returns the SOA record of a zone.
func (p zoneParams) soa(origin string, serial uint32) *dns.SOA {
	// MNAME names the primary server. Without configured name servers the
	// apex is the only name that is sure to exist.
	primary := origin
	if len(p.nameServers) > 0 {
		primary = p.nameServers[0]
	}
	return &dns.SOA{
		Hdr:     header(origin, dns.TypeSOA, p.ttl),
		Ns:      primary,
		Mbox:    mailboxName(p.hostmaster, origin),
		Serial:  serial,
		Refresh: p.refresh,
		Retry:   p.retry,
		Expire:  p.expire,
		Minttl:  p.negativeTTL,
	}
}

// mailboxName converts a mailbox such as hostmaster@example.org to the
// domain-name form of the SOA RNAME field, hostmaster.example.org. Dots in
// the local part are escaped (RFC 1035 §8). An empty mailbox gives
// hostmaster.<origin>, and a value without "@" is taken as a domain name.
func mailboxName(mailbox, origin string) string {
	if mailbox == "" {
		return "hostmaster." + origin
	}
	at := strings.LastIndexByte(mailbox, '@')
	if at < 0 {
		return canonicalName(mailbox)
	}
	local := strings.ReplaceAll(mailbox[:at], ".", `\.`)
	return local + "." + canonicalName(mailbox[at+1:])
}

// parseAddrs returns the distinct valid IP addresses of addrs, sorted.
func parseAddrs(host string, addrs []string, logger *slog.Logger) []netip.Addr {
	var out []netip.Addr
	for _, s := range addrs {
		addr, err := netip.ParseAddr(s)
		if err != nil {
			logger.Warn("dns skipped invalid address", "host", host, "addr", s, "error", err)
			continue
		}
		addr = addr.Unmap().WithZone("")
		if !slices.Contains(out, addr) {
			out = append(out, addr)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// addressRecord returns an A record for an IPv4 address and an AAAA record
// otherwise.
func addressRecord(host string, addr netip.Addr, ttl uint32) dns.RR {
	if addr.Is4() {
		return &dns.A{Hdr: header(host, dns.TypeA, ttl), A: addr.AsSlice()}
	}
	return &dns.AAAA{Hdr: header(host, dns.TypeAAAA, ttl), AAAA: addr.AsSlice()}
}

func header(name string, rrtype uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: rrtype, Class: dns.ClassINET, Ttl: ttl}
}

// validName returns name in canonical form and whether it is a valid
// domain name other than the root.
func validName(name string) (string, bool) {
	fqdn := canonicalName(name)
	if _, ok := dns.IsDomainName(fqdn); !ok || fqdn == "." {
		return "", false
	}
	return fqdn, true
}
