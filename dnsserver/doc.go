// Package dnsserver is Mayfly's authoritative DNS server. It answers over
// UDP and TCP from an immutable zone set built from the control-plane state
// (package controlplane/state) and rebuilt only when the state changes.
//
// Zones served:
//
//   - Every pool domain that is active, retiring or retired (standby domains
//     are not exposed). The apex has SOA, NS, MX and TXT "v=spf1 -all", and
//     _dmarc.<domain> has TXT "v=DMARC1; p=reject". Active and retiring
//     domains get one MX (preference 10) per distinct MX host of the
//     healthy, non-draining edges of their region. Retired domains get the null MX
//     "0 ." of RFC 7505. Every other name under a pool domain does not exist.
//   - The operations zone (DNSSettings.OpsZone), when set: SOA and NS at the
//     apex, and A/AAAA records for every name-server host and edge MX host
//     inside it. Name-server hosts must live there for glue to be served.
//
// Behaviour on the wire:
//
//   - Answers from our zones set AA. Negative answers carry the zone SOA in
//     the authority section with the TTL of RFC 2308 §3, and a name that
//     exists without the queried type (including an empty non-terminal) is
//     NODATA, never NXDOMAIN.
//   - Names outside our zones and classes other than IN get REFUSED with AA
//     clear.
//   - ANY gets the minimal answer of RFC 8482: one synthesized HINFO record.
//   - EDNS(0) per RFC 6891: the OPT record is echoed with our UDP payload
//     size of 1232 and the client's DO bit, never sent to a client that sent
//     none, and a version above 0 gets BADVERS. A COOKIE option (RFC 7873)
//     gets the client cookie back with a server cookie of RFC 9018, and an
//     EDNS Client Subnet option is echoed with its scope. Other options are
//     ignored.
//   - Zone transfers: AXFR, and IXFR answered with the full zone unless the
//     client's serial is current, over TCP to clients that Transfer.Allow
//     admits, by address prefix and TSIG key (HMAC-SHA256). Others are
//     refused. A TSIG-signed query gets a signed reply, and a bad signature
//     NOTAUTH. Every serial change is sent as NOTIFY to Transfer.Notify.
//   - DNSSEC: when the state holds a key, every record set is signed with
//     ECDSA P-256 and answers to queries with the DO bit carry the RRSIGs.
//     Negative answers use the compact denial of RFC 9824, signed at query
//     time: NOERROR with an NSEC record (with NXNAME for a name that does not
//     exist), or NXDOMAIN when the query sets the CO bit.
//   - UDP replies are rate limited per client network (RateLimit); queries
//     with a valid server cookie and TCP queries are not.
//   - GeoDNS: the A and AAAA records of Geo.Name are those of the live edges
//     of the client's region, found from its ECS address or source address.
//   - UDP replies larger than the client's limit (512 octets without EDNS,
//     otherwise the advertised size capped at 1232) are truncated with TC
//     set. TCP replies are complete.
//   - Opcodes other than QUERY get NOTIMP. A query without exactly one
//     question, with several OPT records or that cannot be parsed gets
//     FORMERR. Packets with the QR bit set and packets shorter than a DNS
//     header get no reply.
//
// UDP is read with one socket per CPU and many datagrams per system call.
// Replies to plain queries (no EDNS options, no TSIG) are packed once per
// zone set and then sent from a cache with the query's ID.
//
// The server never logs a client address.
package dnsserver
