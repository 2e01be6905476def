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
//     clear. Zone transfers (AXFR, IXFR) are refused as well.
//   - ANY gets the minimal answer of RFC 8482: one synthesized HINFO record.
//   - EDNS(0) per RFC 6891: the OPT record is echoed with our UDP payload
//     size of 1232 and the client's DO bit, never sent to a client that sent
//     none, and a version above 0 gets BADVERS. Options are ignored.
//   - UDP replies larger than the client's limit (512 octets without EDNS,
//     otherwise the advertised size capped at 1232) are truncated with TC
//     set. TCP replies are complete.
//   - Opcodes other than QUERY get NOTIMP. A query without exactly one
//     question, with several OPT records or that cannot be parsed gets
//     FORMERR. Packets with the QR bit set and packets shorter than a DNS
//     header get no reply.
//
// The server never logs a client address.
package dnsserver
