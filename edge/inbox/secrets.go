package inbox

import (
	"crypto/hpke"
	"fmt"
	"time"

	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

// Field labels in the additional data of the epoch layer, so the two
// secrets of a record cannot be swapped.
const (
	privateKeyField = "private key"
	addressField    = "address"
)

// inboxSecrets are an inbox's token-sealed secrets: what is stored once
// the epoch layer is removed.
type inboxSecrets struct {
	wrappedPrivateKey []byte
	sealedAddress     []byte
}

// unlocked is the private key and address that a token opens.
type unlocked struct {
	privateKey hpke.PrivateKey
	address    string
}

// newInboxRecord makes the key pair of a new inbox, with a key from pool
// when it has one, and seals its secrets under the token and then under
// the epoch of expiresAt.
func newInboxRecord(pool *seal.KeyPool, node *seal.NodeKey, epochs *seal.EpochKeys, tok seal.Token, id []byte, address string, createdAt, expiresAt time.Time) (store.Inbox, error) {
	publicKey, wrapped, err := pool.NewInboxKeyPair(tok, id)
	if err != nil {
		return store.Inbox{}, err
	}
	sealedAddress, err := seal.SealAddress(tok, id, address)
	if err != nil {
		return store.Inbox{}, err
	}

	in := store.Inbox{
		ID:          id,
		TokenHash:   node.TokenHash(tok),
		AddressHash: node.AddressHash(address),
		CreatedAt:   createdAt,
		PublicKey:   publicKey,
	}
	err = sealInEpoch(epochs, &in, expiresAt, inboxSecrets{wrappedPrivateKey: wrapped, sealedAddress: sealedAddress})
	return in, err
}

// sealInEpoch sets the record's expiry and seals secrets under its epoch,
// creating the epoch key first if needed.
func sealInEpoch(epochs *seal.EpochKeys, in *store.Inbox, expiresAt time.Time, secrets inboxSecrets) error {
	epoch := epochs.EpochOf(expiresAt)
	if err := epochs.Ensure(epoch); err != nil {
		return err
	}
	wrapped, err := epochs.Seal(epoch, secrets.wrappedPrivateKey, epochAAD(in.ID, privateKeyField))
	if err != nil {
		return err
	}
	address, err := epochs.Seal(epoch, secrets.sealedAddress, epochAAD(in.ID, addressField))
	if err != nil {
		return err
	}
	in.ExpiresAt, in.Epoch = expiresAt, epoch
	in.WrappedPrivateKey, in.SealedAddress = wrapped, address
	return nil
}

// openEpoch removes the epoch layer of the record's secrets.
func openEpoch(epochs *seal.EpochKeys, in store.Inbox) (inboxSecrets, error) {
	wrapped, err := epochs.Open(in.Epoch, in.WrappedPrivateKey, epochAAD(in.ID, privateKeyField))
	if err != nil {
		return inboxSecrets{}, fmt.Errorf("open private key epoch layer: %w", err)
	}
	address, err := epochs.Open(in.Epoch, in.SealedAddress, epochAAD(in.ID, addressField))
	if err != nil {
		return inboxSecrets{}, fmt.Errorf("open address epoch layer: %w", err)
	}
	return inboxSecrets{wrappedPrivateKey: wrapped, sealedAddress: address}, nil
}

// unlock opens both layers of the record's secrets with the token.
func unlock(epochs *seal.EpochKeys, tok seal.Token, in store.Inbox) (unlocked, error) {
	secrets, err := openEpoch(epochs, in)
	if err != nil {
		return unlocked{}, err
	}
	privateKey, err := seal.UnwrapPrivateKey(tok, in.ID, secrets.wrappedPrivateKey)
	if err != nil {
		return unlocked{}, err
	}
	address, err := seal.OpenAddress(tok, in.ID, secrets.sealedAddress)
	if err != nil {
		return unlocked{}, err
	}
	return unlocked{privateKey: privateKey, address: address}, nil
}

func epochAAD(id []byte, field string) []byte {
	return append(append([]byte(field), 0), id...)
}

// decoy is an inbox that exists only in memory. Authenticate unlocks it
// for a token that opens no live inbox, so that such a request does the
// same work, and takes about the same time, as one that succeeds.
type decoy struct {
	token  seal.Token
	record store.Inbox
	epochs *seal.EpochKeys
}

func newDecoy(node *seal.NodeKey, ownerCode string, window time.Duration) (*decoy, error) {
	tok, err := seal.NewToken(ownerCode)
	if err != nil {
		return nil, fmt.Errorf("new decoy inbox: %w", err)
	}
	now := time.Now()
	id, err := newInboxID(now)
	if err != nil {
		return nil, err
	}
	// The decoy's times only pick its epoch, which no sweep destroys,
	// because the decoy's epoch keys are its own.
	epochs := seal.NewEpochKeys(window)
	record, err := newInboxRecord(nil, node, epochs, tok, id, "decoy@invalid", now, now.Add(time.Hour))
	if err != nil {
		return nil, fmt.Errorf("new decoy inbox: %w", err)
	}
	return &decoy{token: tok, record: record, epochs: epochs}, nil
}

// unlock repeats the work of a successful Authenticate and discards it.
func (d *decoy) unlock() {
	_, _ = unlock(d.epochs, d.token, d.record)
}
