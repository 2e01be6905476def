// Package ratelimit limits the public API's requests per client without
// storing any client address.
//
// A client is an IPv4 address or an IPv6 /64, taken from the connection.
// Its token bucket is filed under an HMAC-SHA256 of that address keyed by a
// random salt that lives only in memory and changes every hour. The salt
// before the current one is kept for one more period, so that a bucket
// carries over a rotation. After two rotations nothing stored links a
// bucket to an address. Buckets that have refilled are dropped, and the
// number of buckets is bounded.
//
// A request over its limit gets 429 Too Many Requests with Retry-After (in
// seconds) and the JSON body {"error": "...", "code": "rate_limited"}.
package ratelimit
