package inbox

import (
	"context"
	"crypto/hmac"
	"crypto/hpke"
	"errors"
	"fmt"
	"time"

	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

// Access is an authenticated view of one inbox, holding its unlocked
// private key and address for the length of a request. It is safe for
// concurrent use. Every method checks first that the inbox still exists
// and has not expired, and returns ErrUnauthorized otherwise.
type Access struct {
	s          *Service
	id         []byte
	privateKey hpke.PrivateKey
	address    string
}

// Info describes an inbox.
type Info struct {
	ID           string
	Address      string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	MessageCount int
}

// Authenticate returns the inbox that token opens. A malformed, unknown or
// expired token, the token of a deleted inbox, and a token carrying another
// edge's owner code are all ErrUnauthorized. Those cases unlock an in-memory
// decoy inbox instead, so they do the same key derivations and decryptions
// as a success and take about as long.
func (s *Service) Authenticate(ctx context.Context, token string) (*Access, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tok, err := seal.ParseToken(token)
	invalid := err != nil || tok.OwnerCode != s.cfg.OwnerCode
	if invalid {
		// The decoy's token is never stored, so the lookup below misses.
		tok = s.decoy.token
	}

	// The index lookup compares HMAC outputs byte by byte, which leaks
	// nothing about the token to anyone without the node key. The stored
	// hash is compared again in constant time all the same.
	tokenHash := s.node.TokenHash(tok)
	in, err := s.store.InboxByToken(tokenHash)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	found := err == nil && hmac.Equal(in.TokenHash, tokenHash)
	if invalid || !found || !in.Live(s.cfg.Now()) {
		s.decoy.unlock()
		return nil, ErrUnauthorized
	}

	opened, err := unlock(s.epochs, tok, in)
	if errors.Is(err, seal.ErrEpochKeyNotFound) {
		// Normally the inbox expired and the sweeper destroyed its epoch key
		// after the check above. For a live inbox the key file lost a key.
		if in.Live(s.cfg.Now()) {
			s.log.Warn("epoch key of a live inbox not found, the inbox cannot be opened", "inbox_id", encodeID(in.ID), "epoch", in.Epoch)
		}
		return nil, ErrUnauthorized
	}
	if err != nil {
		s.log.Error("inbox does not open with a matching token", "inbox_id", encodeID(in.ID), "error", err)
		return nil, fmt.Errorf("authenticate: inbox %s: %w", encodeID(in.ID), err)
	}
	return &Access{s: s, id: in.ID, privateKey: opened.privateKey, address: opened.address}, nil
}

// ID returns the inbox id.
func (a *Access) ID() string {
	return encodeID(a.id)
}

// Info returns the inbox's address, times and message count.
func (a *Access) Info(ctx context.Context) (Info, error) {
	in, err := a.liveInbox(ctx)
	if err != nil {
		return Info{}, err
	}
	count, err := a.s.store.CountMessages(a.id)
	if err != nil {
		return Info{}, fmt.Errorf("inbox info: %w", err)
	}
	return Info{
		ID:           encodeID(a.id),
		Address:      a.address,
		CreatedAt:    in.CreatedAt,
		ExpiresAt:    in.ExpiresAt,
		MessageCount: count,
	}, nil
}

// Extend sets the inbox to expire ttl from now, with ttl capped at MaxTTL,
// and returns the new expiry. A ttl under one second is ErrInvalidTTL. The
// new expiry may be earlier than the old one.
func (a *Access) Extend(ctx context.Context, ttl time.Duration) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	if ttl < minTTL {
		return time.Time{}, fmt.Errorf("%w: %v is shorter than %v", ErrInvalidTTL, ttl, minTTL)
	}
	ttl = min(ttl, a.s.cfg.MaxTTL)

	now := a.s.cfg.Now()
	expiresAt := now.Add(ttl)
	// A new epoch key costs a file write and fsync, which is better done
	// before the store's write transaction than inside it.
	if err := a.s.epochs.Ensure(a.s.epochs.EpochOf(expiresAt)); err != nil {
		return time.Time{}, fmt.Errorf("extend inbox %s: %w", encodeID(a.id), err)
	}
	err := a.s.store.UpdateInbox(a.id, func(in *store.Inbox) error {
		if !in.Live(now) {
			return ErrUnauthorized
		}
		// Move the secrets to the epoch of the new expiry, so the old
		// epoch's key can be destroyed when it ends. UpdateInbox moves the
		// messages in the same transaction.
		secrets, err := openEpoch(a.s.epochs, *in)
		if errors.Is(err, seal.ErrEpochKeyNotFound) {
			return ErrUnauthorized
		}
		if err != nil {
			return err
		}
		return sealInEpoch(a.s.epochs, in, expiresAt, secrets)
	})
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, ErrUnauthorized) {
		return time.Time{}, ErrUnauthorized
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("extend inbox %s: %w", encodeID(a.id), err)
	}
	a.s.notes.notify(encodeID(a.id))
	a.s.log.Info("inbox extended", "inbox_id", encodeID(a.id), "expires_at", expiresAt)
	return expiresAt, nil
}

// Delete deletes the inbox and every message now. Its token stops working
// at once.
func (a *Access) Delete(ctx context.Context) error {
	if _, err := a.liveInbox(ctx); err != nil {
		return err
	}
	err := a.s.store.DeleteInbox(a.id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrUnauthorized
	}
	if err != nil {
		return fmt.Errorf("delete inbox %s: %w", encodeID(a.id), err)
	}
	a.s.notes.notify(encodeID(a.id))
	a.s.log.Info("inbox deleted", "inbox_id", encodeID(a.id))
	return nil
}

// liveInbox returns the inbox record, or ErrUnauthorized once the inbox is
// gone or expired, even before the sweeper has deleted it.
func (a *Access) liveInbox(ctx context.Context) (store.Inbox, error) {
	if err := ctx.Err(); err != nil {
		return store.Inbox{}, err
	}
	in, err := a.s.store.Inbox(a.id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Inbox{}, ErrUnauthorized
	}
	if err != nil {
		return store.Inbox{}, fmt.Errorf("get inbox %s: %w", encodeID(a.id), err)
	}
	if !in.Live(a.s.cfg.Now()) {
		return store.Inbox{}, ErrUnauthorized
	}
	return in, nil
}
