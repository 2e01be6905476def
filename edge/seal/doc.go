// Package seal contains the edge's cryptography: inbox tokens, the node
// key and its keyed hashes, the per-inbox HPKE key pair, the node's epoch
// keys and the sealing of messages. It uses only Go's standard library.
//
// # Tokens
//
// A token is 32 random bytes (the secret) plus the two-character owner code
// of the edge that created the inbox. Its text form is the owner code
// followed by the unpadded base64url of the secret, 45 characters in all.
// The edge never stores a token: it stores [NodeKey.TokenHash], an
// HMAC-SHA256 of the secret under a key derived from the node key, and
// looks inboxes up by that hash.
//
// # Inbox keys
//
// Each inbox has its own HPKE key pair (RFC 9180) with the KEM
// ML-KEM-768+X25519, the KDF HKDF-SHA256 and the AEAD AES-256-GCM. The
// private key is stored wrapped with AES-256-GCM under a key that HKDF-SHA256
// derives from the token secret, with the inbox id as salt and a versioned
// label as info. The inbox address is sealed the same way under a second
// derived key. Without the token, neither the operator nor a copy of the
// disk can open an inbox or learn its address.
//
// # Messages
//
// Each message gets one HPKE encapsulation to the inbox public key, with the
// message id in the HPKE info. An HPKE export of that context is the
// message's data key, from which HKDF-SHA256 derives one AES-256-GCM key for
// the listing metadata and another for the body. The body is sealed in chunks
// of [ChunkSize] bytes. A chunk's nonce is its index, and its additional data
// binds the message id, the index and whether it is the last chunk, so a
// truncated, reordered or swapped chunk fails to open.
//
// # Epoch keys
//
// A second, node-local layer: every stored secret of an inbox (the wrapped
// private key, the sealed address, and each message's encapsulated key,
// metadata and body chunks) is sealed again under the key of the epoch in
// which the inbox expires. An epoch covers one window of expiry times
// ([DefaultEpochWindow] unless configured) and is named by its end in Unix
// nanoseconds. The record fields use [EpochKeys.Seal] with a random nonce.
// A message's parts use [EpochKeys.MessageKey], a key derived once per
// message, with the part and index as nonce, so the layer costs one
// AES-GCM pass per part. An epoch's key is destroyed once the epoch has
// ended, when every inbox in it has expired, so a backup that still holds
// the records can no longer open them, even with the token.
package seal
