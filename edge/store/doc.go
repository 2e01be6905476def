// Package store keeps the edge's inboxes and sealed messages in one bbolt
// file, DataDir/inbox.db (mode 0600). It stores only what package seal has
// already encrypted, plus ids, keyed hashes, public keys, sizes, times and
// the seen flag. No token, address or message reaches it in plaintext.
//
// # Layout
//
// Top-level buckets:
//
//	inboxes     inbox id → inbox record
//	by_token    token hash → inbox id
//	by_address  address hash → inbox id
//	expiry      expiry (8-byte big-endian Unix nanoseconds) ‖ inbox id → empty
//	messages    inbox id → bucket of that inbox's messages:
//	              m  message id → message record
//	              c  message id ‖ chunk index (4-byte big-endian) → sealed chunk
//
// Message ids start with their receive time, so the m bucket lists a
// mailbox in arrival order, and the expiry bucket lists inboxes in the order
// they expire.
//
// # Records
//
// A record starts with a version byte, 1 here. The fields follow in a fixed
// order. A byte string is a uvarint length and the bytes, a time or size is
// 8 bytes big-endian (times in Unix nanoseconds), a chunk count is a
// uvarint, and a flag is one byte.
//
//	inbox v1:   token hash, address hash, created, expires, epoch,
//	            public key, wrapped private key, sealed address
//	message v1: encapsulated key, sealed metadata, size, chunk count, seen
//
// # Durability
//
// Every write commits a bbolt transaction, which fsyncs the file before it
// returns. AddMessage uses bbolt's Batch, so concurrent deliveries share one
// commit and one fsync (group commit) and each returns once that commit is
// durable.
package store
