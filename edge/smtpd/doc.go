// Package smtpd is the edge's inbound SMTP server, an MX for the pool
// domains built on emersion/go-smtp.
//
// It advertises PIPELINING, SIZE, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES,
// CHUNKING (BDAT) and, when a certificate is configured, STARTTLS with
// TLS 1.2 or later. It offers no AUTH: this is an inbound MX, not a
// submission server. The banner is "220 <host> ESMTP", without software
// name or version.
//
// Recipients are checked at RCPT time through the Backend: 550 5.1.1 for
// an address without a live inbox, 550 5.7.1 for a domain the pool does
// not serve, 501 5.1.3 for an address that breaks the syntax of RFC 5321.
// DATA and BDAT content streams into the Backend through checks that
// reject a bare LF or CR (550 5.6.0), a line over the line limit
// (500 5.5.6) and content over the size limit (552 5.3.4). The final
// reply is 250 only after the Backend has made the message durable. Only
// CRLF "." CRLF ends DATA.
//
// Limits: recipients per transaction (452 4.5.3), connections in total
// and per client (421 4.7.0 at connect), errors per session (421 4.7.0),
// command and data timeouts (421 4.4.2). During Shutdown, commands that
// would start a new transaction get 421 4.3.2.
//
// Nothing about the client is logged: not its address, envelope or
// content. A log line names the session by a random id. The per-client
// count keys on a salted hash of the address and keeps no address.
//
// go-smtp handles the commands; conn, the net.Conn it is given, frames the
// byte stream around it (see conn for why).
package smtpd
