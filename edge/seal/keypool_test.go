package seal

import (
	"bytes"
	"testing"
	"time"
)

// Key pairs from a pool unwrap with their token like any other, and no
// two inboxes get the same key.
func TestKeyPool_KeysAreFreshAndUnwrap(t *testing.T) {
	pool := NewKeyPool(4)
	t.Cleanup(pool.Close)
	waitFull(t, pool)

	seen := make(map[string]bool)
	for i := range 10 { // more than the pool holds, so some are made on demand
		tok := mustToken(t)
		id := []byte{byte(i), 'i', 'n', 'b', 'o', 'x', '-', 'i', 'd', '-', '1', '6', 'b', 'y', 't', 'e'}
		pub, wrapped, err := pool.NewInboxKeyPair(tok, id)
		if err != nil {
			t.Fatalf("NewInboxKeyPair %d: %v", i, err)
		}
		if seen[string(pub)] {
			t.Fatalf("key pair %d repeats an earlier public key", i)
		}
		seen[string(pub)] = true

		priv, err := UnwrapPrivateKey(tok, id, wrapped)
		if err != nil {
			t.Fatalf("UnwrapPrivateKey %d: %v", i, err)
		}
		if !bytes.Equal(priv.PublicKey().Bytes(), pub) {
			t.Errorf("key pair %d: the unwrapped private key does not match the public key", i)
		}
	}
}

// A closed or nil pool still makes key pairs, generating each on demand.
func TestKeyPool_ClosedOrNilGenerates(t *testing.T) {
	closed := NewKeyPool(1)
	closed.Close()
	closed.Close() // a second Close is harmless
	var none *KeyPool

	for name, pool := range map[string]*KeyPool{"closed": closed, "nil": none} {
		for i := range 3 {
			if _, _, err := pool.NewInboxKeyPair(mustToken(t), []byte("inbox-id-16bytes")); err != nil {
				t.Errorf("%s pool, key pair %d: %v", name, i, err)
			}
		}
	}
}

// waitFull waits until the pool holds as many keys as it can.
func waitFull(t *testing.T, pool *KeyPool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(pool.keys) < cap(pool.keys) {
		if time.Now().After(deadline) {
			t.Fatalf("the pool holds %d of %d keys after 30 s", len(pool.keys), cap(pool.keys))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
