// Package mime turns the raw bytes of a received message into what the
// public API shows: decoded headers, a text body, sanitized HTML and the
// attachment list.
//
// Parse, Summarize and AttachmentContent take a whole message in memory.
// SummaryWriter and OpenAttachment read a message as a stream, with memory
// bounded whatever its size. All of them read mail through the same
// streaming scanner, so they agree on every message: a SummaryWriter's
// Summary equals Summarize, and OpenAttachment numbers attachments as Parse
// does and returns the bytes AttachmentContent returns.
//
// Parsing never fails on malformed mail. Every step falls back to a best
// effort instead of returning an error, and the raw message is never
// changed, so the original stays available as it was received:
//
//   - Line endings: CRLF, bare LF and CR CR LF are normalised to CRLF. A
//     message whose first 64 KiB have a CR but no LF is taken to use bare CR
//     line endings.
//   - Header: a first line starting with white space is accepted, an
//     unindented line after a line ending in ";" or "," continues that field,
//     and a first line that is no header field makes the whole input body.
//   - Multipart: a missing close delimiter ends the last part at the end of
//     the input; a multipart entity without a boundary, or whose boundary
//     does not start a line within the first 64 KiB of its body, is shown as
//     text.
//   - Transfer encodings: quoted-printable keeps invalid escapes and raw
//     8-bit bytes literally, base64 skips characters outside its alphabet,
//     and an unknown encoding leaves the body as it is.
//   - Charsets: text is converted to UTF-8 from its declared charset. The
//     labels of the WHATWG Encoding Standard and the IANA registry are
//     known, with their aliases. Without a declaration, bytes that are valid
//     UTF-8 are UTF-8 and others are read as Windows-1252. An unknown
//     charset keeps the bytes, with invalid UTF-8 replaced by U+FFFD.
//
// Limits keep hostile mail from exhausting memory or time. Past them the
// message is still shown, as described:
//
//   - A header block keeps its first 128 KiB (maxHeaderBytes).
//   - A line longer than 64 KiB is body text, never a delimiter
//     (maxLineBytes).
//   - Multiparts nest at most 32 deep; a deeper multipart is one attachment
//     (maxNestingDepth).
//   - An HTML body is searched for cid: references in its first 2 MiB only
//     (maxHTMLScanBytes), and at most 10000 Content-IDs count
//     (maxContentIDs).
//
// The body is chosen from the text/plain and text/html leaves that are not
// attachments: the last such alternative of a multipart/alternative, and
// every one of them, in order, elsewhere. Every other leaf is an attachment,
// numbered in document order. An attached message (message/rfc822) is one
// attachment, named after its subject when it declares no file name; its
// text never joins the body of the message that carries it.
//
// HTML is sanitized for display in a sandboxed frame: no script, event
// handler, form, frame, style element or SVG survives, links keep only
// http, https and mailto targets, and images keep only cid: and inline
// data:image sources, so showing a message loads nothing from another host.
// ParseWith and SanitizeHTMLWith can keep https images as well, for a reader
// who asks for a message's remote content. See SanitizeHTML,
// SanitizeHTMLWith and ResolveContentIDs.
//
// Functions of this package keep no state and are safe for concurrent use.
// A SummaryWriter belongs to one message and one goroutine.
package mime
