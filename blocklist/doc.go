// Package blocklist checks domains against the lists that web sites use to
// refuse throwaway addresses: DNSBL domain zones and disposable-domain list
// feeds. Every list is a Checker, and every check yields a Result that
// carries the list's name, a verdict, the categories of a listing and the
// raw answer as evidence.
//
// # DNSBL zones
//
// A DNSBL check asks the configured recursive resolver for the A records of
// <domain>.<zone> (with a Spamhaus DQS key, <domain>.<key>.<zone>).
// NXDOMAIN and an empty answer mean the domain is not listed. Each kind of
// list encodes its answer differently:
//
//   - spamhaus-dbl: 127.0.1.x names one category per record (2 spam,
//     4 phishing, 5 malware, 6 botnet C&C, 102-106 abused legitimate
//     domains). 127.0.1.255 and 127.255.255.252/254/255 are errors about
//     the query itself, never listings.
//   - surbl: the last octet of 127.0.0.x is a bitmask (4 disposable mail,
//     8 phishing, 16 malware, 32 click tracker, 64 abuse, 128 cracked).
//     127.0.0.1 means the list refused the query.
//   - uribl: the last octet is a bitmask (2 black, 4 grey, 8 red).
//     127.0.0.1 means the list refused the query.
//
// An error code, a refused query, SERVFAIL, a timeout, an exhausted daily
// query budget or an answer outside the list's range gives NoVerdict, which
// never means listed.
//
// # Feeds
//
// A feed is a text file fetched over HTTP(S): one domain per line, "#"
// starts a comment. Feeds are fetched again after their interval with
// If-None-Match and If-Modified-Since, and a listing of a registered domain
// covers its subdomains.
package blocklist
