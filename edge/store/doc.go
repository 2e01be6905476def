// Package store keeps the edge's inboxes and sealed messages in one bbolt
// file, DataDir/inbox.db (mode 0600), and the bodies of large messages in
// files beside it. It stores only what package seal has already encrypted,
// plus ids, keyed hashes, public keys, sizes, times and the seen flag. No
// token, address or message reaches it in plaintext.
//
// # Layout
//
// Top-level buckets:
//
//	inboxes     inbox id → inbox record
//	expiry      expiry (8-byte big-endian Unix nanoseconds) ‖ inbox id → empty
//	messages    inbox id → bucket of that inbox's messages:
//	              m  message id → message record
//	              c  message id ‖ chunk index (4-byte big-endian) → sealed chunk
//
// Message ids start with their receive time, so the m bucket lists a
// mailbox in arrival order, and the expiry bucket lists inboxes in the order
// they expire.
//
// The token and address hashes lead to inbox ids through an index in
// memory (inboxIndex), which Open builds from the inbox records. On disk,
// each creation would rewrite two B-tree leaves at random places. Earlier
// versions kept that index in the buckets by_token and by_address, and
// Open deletes them. An earlier binary started on the store afterwards
// finds no inbox by token or address.
//
// # Bodies
//
// A body whose sealed chunks add up to at most the writer's inline limit
// ([DefaultInlineMax] unless the caller asks for less) is stored in the c
// bucket. A larger one is stored in a body file, and the c bucket has none
// of its chunks:
//
//	DataDir/bodies/<inbox id in hex>/<message id in hex>-<epoch>   (folders 0700, files 0600)
//
// A body file is a version byte, 1 here, followed by each sealed chunk in
// index order, each preceded by its length as 4 bytes big-endian. The
// chunk count is in the message record, so the file needs no trailer.
//
// [BodyWriter] writes the file while the message streams in, and it holds
// at most the inline limit plus one chunk in memory. The file becomes part
// of the message only when [Store.AddMessages] commits a record whose
// body-in-file flag is set. Until then no reader can reach it, so an
// aborted delivery only has to remove it, and a crash leaves a file that
// no record refers to: [Open] removes those, and every folder of an inbox
// that no longer exists. DeleteMessage, DeleteInbox and DeleteExpired
// remove the files after their transaction commits. If that removal fails,
// the records are gone all the same and the next Open removes the files.
//
// # Records
//
// A record starts with a version byte. The fields follow in a fixed order.
// A byte string is a uvarint length and the bytes, a time or size is 8
// bytes big-endian (times in Unix nanoseconds), a chunk count is a
// uvarint, and a flag is one byte.
//
//	inbox v1:   token hash, address hash, created, expires, epoch,
//	            public key, wrapped private key, sealed address
//	message v4: encapsulated key, sealed metadata, size, chunk count, seen,
//	            body in file, epoch, commit sequence (a uvarint)
//
// A message record of version 1 to 3 is read without the fields it lacks:
// its sequence is 0, and a record of version 1 or 2 has its body in the c
// bucket and epoch 0.
//
// # Epoch layer
//
// The store seals every part of a message again under the node-local key
// of its epoch (package seal, [seal.EpochMessageKey]): the encapsulated
// key, the sealed metadata and each body chunk, in the database and in
// body files alike. The inbox record's secrets are sealed the same way by
// package inbox. [Store.UpdateInbox] moves every message to the inbox's
// epoch in the transaction that changes it, and [Store.DeleteUnreadable]
// drops the inboxes whose epoch key is gone.
//
// # Deletion
//
// Deleting an inbox or message removes its records, body files and, after
// the commit, its index entries, but bbolt keeps freed pages with their old bytes until it reuses
// them. The store does not compact the file to erase them: compaction
// copies the whole database while it blocks writers, and it would still
// leave the old bytes in the file system's free blocks. It relies on the
// epoch keys instead. Every byte that a freed page can hold of a message
// is sealed under the token's layer and under an epoch key, and that key is
// destroyed once its epoch ends, at most one epoch window after the
// inbox's expiry.
//
// # Durability
//
// Every write commits a bbolt transaction, which fsyncs the file before it
// returns. AddMessages first fsyncs each body file and the two folders
// above it, so a committed record never refers to a file that a crash
// could lose. Concurrent deliveries and inbox creations then share one
// commit and one fsync (group commit, see committer), and each returns
// once that commit is durable.
package store
