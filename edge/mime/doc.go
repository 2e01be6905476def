// Package mime turns the raw bytes of a received message into what the
// public API shows: decoded headers, a text body, sanitized HTML and the
// attachment list.
//
// Parsing never fails on malformed mail. Every step falls back to a best
// effort instead of returning an error:
//
//   - Line endings: CRLF, bare LF and CR CR LF are normalised to CRLF before
//     parsing. A message with bare CR line endings only is split on CR.
//   - Header: a first line starting with white space is accepted, an
//     unindented line after a line ending in ";" or "," continues that field,
//     and a first line that is no header field makes the whole input body.
//   - Multipart: a missing close delimiter ends the last part at the end of
//     the input; a multipart entity without a boundary, or whose boundary
//     never appears, is shown as text.
//   - Transfer encodings: quoted-printable keeps invalid escapes and raw
//     8-bit bytes literally, base64 skips characters outside its alphabet,
//     and an unknown encoding leaves the body as it is.
//   - Charsets: text is converted to UTF-8 from its declared charset.
//     Without a declaration, bytes that are valid UTF-8 are UTF-8 and others
//     are read as Windows-1252. An unknown charset keeps the bytes, with
//     invalid UTF-8 replaced by U+FFFD.
//
// The body is chosen from the text/plain and text/html leaves that are not
// attachments: the last such alternative of a multipart/alternative, and
// every one of them, in order, elsewhere. Every other leaf is an attachment,
// numbered in document order, so Parse and AttachmentContent agree on indices.
//
// HTML is sanitized for display in a sandboxed frame: no script, event
// handler, form, frame, style element or SVG survives, links keep only
// http, https and mailto targets, and images keep only cid: and inline
// data:image sources, so showing a message loads nothing from another host.
// See SanitizeHTML and ResolveContentIDs.
//
// Functions of this package keep no state and are safe for concurrent use.
package mime
