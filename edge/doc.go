// Package edge runs an edge node: it registers with the control plane,
// follows its region's directory, receives mail over SMTP into encrypted
// inboxes and serves the public HTTP API.
//
// Inside the node a message travels SMTP session → inbox → seal → store, and
// a read travels API → inbox → seal → MIME → response. The node reaches the
// control plane only through controlplane/client.
//
// # Several edges
//
// Every edge of a region receives mail and API requests for every inbox of
// the region. The edge that created an inbox owns it. Its two-character
// owner code is hidden in the address's local part and starts the token,
// and the directory maps each code to an edge and its internal URL.
//
// SMTP: a RCPT for another edge's address is checked at the owner, and
// the message is streamed to every owner of its recipients while it
// arrives. The reply to the end of DATA waits for all of them. An address
// whose code no edge of the directory has gets 550 5.1.1, like any address
// without a live inbox. An owner that cannot be reached or does not reply
// in time makes the RCPT, or the whole transaction, 451 4.3.0, so that the
// sender retries.
//
// Public API: a request under /api/v1/inbox whose bearer token carries
// another edge's code is forwarded to that owner, and the client gets the
// owner's reply (status, headers, streamed body). A code that no edge has
// gets the normal 401. An owner that cannot be reached gets 503 with
// {"error": "...", "code": "owner_unavailable"} and Retry-After.
//
// # Public listener
//
// The public listener serves the API behind security headers, per-client
// rate limits (edge/ratelimit) and request metrics (edge/metrics), over
// HTTPS with TLS 1.3 only when edge.http_tls_cert or edge.acme_domains is
// set (edge/tlsconf), and over plain HTTP otherwise.
//
// # Internal API
//
// The internal listener (edge.internal_listen) serves GET /healthz,
// GET /readyz and the Prometheus metrics at GET /metrics to anyone. Every other route needs the cluster token in the
// X-Mayfly-Cluster-Token header; Authorization is left to the user's token
// of a forwarded request. The routes are:
//
//	POST /internal/v1/recipients/check  {"address": "..."} → {"accepts": bool}
//	POST /internal/v1/deliveries        a forwarded message, see below
//	/api/v1/inbox...                    the public inbox routes, forwarded
//
// A delivery body is one line of JSON envelope ({"from", "received_at",
// "recipients": [{"address", "original"}]}), then the message as the
// sender sent it, in chunked encoding with an X-Mayfly-Message-Size
// trailer. The owner stores the message only when the trailer matches the
// bytes that arrived, and replies {"stored": n}, or 404 with code
// "no_inbox" when no recipient has a live inbox any more.
//
// The internal listener speaks TLS 1.3 when edge.internal_tls_cert and
// edge.internal_tls_key are set. Edges verify each other with the CA
// certificates of edge.internal_tls_ca, or the system's roots.
package edge
