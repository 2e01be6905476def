package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

// Created is a new inbox. Token is its bearer secret, which the service
// does not keep: losing it loses the inbox.
type Created struct {
	ID        string
	Address   string
	Token     string
	ExpiresAt time.Time
}

// Create stores a new inbox for an address the caller has already chosen
// and normalised (lower-case, NFC). A ttl of 0 means DefaultTTL, and a ttl
// under one second or over MaxTTL is ErrInvalidTTL. It returns
// ErrAddressTaken when an inbox not yet deleted has the address.
func (s *Service) Create(ctx context.Context, address string, ttl time.Duration) (Created, error) {
	if err := ctx.Err(); err != nil {
		return Created{}, err
	}
	if ttl == 0 {
		ttl = s.cfg.DefaultTTL
	}
	if ttl < minTTL || ttl > s.cfg.MaxTTL {
		return Created{}, fmt.Errorf("%w: %v is outside [%v, %v]", ErrInvalidTTL, ttl, minTTL, s.cfg.MaxTTL)
	}
	if address == "" {
		return Created{}, errors.New("create inbox: address is empty")
	}

	tok, err := seal.NewToken(s.cfg.OwnerCode)
	if err != nil {
		return Created{}, fmt.Errorf("create inbox: %w", err)
	}
	now := s.cfg.Now()
	id, err := newInboxID(now)
	if err != nil {
		return Created{}, fmt.Errorf("create inbox: %w", err)
	}
	record, err := newInboxRecord(s.keyPool, s.node, s.epochs, tok, id, address, now, now.Add(ttl))
	if err != nil {
		return Created{}, fmt.Errorf("create inbox: %w", err)
	}

	err = s.store.CreateInbox(record)
	if errors.Is(err, store.ErrAddressTaken) {
		return Created{}, ErrAddressTaken
	}
	if err != nil {
		return Created{}, fmt.Errorf("create inbox: %w", err)
	}
	s.log.Info("inbox created", "inbox_id", encodeID(id), "expires_at", record.ExpiresAt)
	return Created{ID: encodeID(id), Address: address, Token: tok.String(), ExpiresAt: record.ExpiresAt}, nil
}

// Accepts reports whether a live inbox has the address now. The SMTP intake
// calls it at RCPT time.
func (s *Service) Accepts(ctx context.Context, address string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	in, err := s.store.InboxByAddress(s.node.AddressHash(address))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check address: %w", err)
	}
	return in.Live(s.cfg.Now()), nil
}
