// Package inbox is the edge's inbox service: the SMTP intake delivers
// through it and the public API reads through it. It ties together the
// cryptography of package seal and the storage of package store.
//
// An inbox is created with an address that the caller has chosen and
// normalised. Create returns a bearer token, and only a request presenting
// that token can open the inbox's private key, its address and its
// messages. Mail is sealed on arrival to the inbox's public key, so
// delivery needs no token. Every call treats an inbox as gone from the
// instant it expires, and the sweeper (Run or Sweep) deletes expired inboxes
// and the epoch keys of ended epochs.
//
// Mail streams in and out. BeginDelivery starts a message for one or more
// inboxes. Write seals its body in 64 KiB chunks for each inbox's copy as
// it arrives, and Commit makes every copy durable at once. Memory per
// delivery does not grow with the message size. OpenMessage returns a
// reader that decrypts one chunk at a time. Deliver and Message are the
// same for a message already in memory.
//
// Logs name inboxes and messages by their internal ids only. They never
// contain a token, an address, a subject, a sender or a body.
//
// Inbox and message ids are 16 bytes in lowercase base32hex without padding
// (RFC 4648 §7), 26 characters. A message id is its receive time in Unix
// nanoseconds (8 bytes, big-endian) followed by 8 random bytes, so ids sort
// in arrival order both as bytes and as text.
package inbox
