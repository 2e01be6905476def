package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

// Envelope is the SMTP envelope of a delivered message.
type Envelope struct {
	From string
	// Recipient is the address as given in RCPT, which may carry a +tag.
	Recipient string
	// ReceivedAt is when the message arrived. Zero means the time of
	// delivery.
	ReceivedAt time.Time
}

// MessageMeta is the listing metadata of a message, parsed from its header
// by the caller.
type MessageMeta struct {
	From           string
	Subject        string
	Date           time.Time
	HasAttachments bool
}

// Deliver seals raw for the live inbox at address and returns the message
// id once the message is durable. It returns ErrNoInbox when no live inbox
// has the address, also when the inbox expires or is deleted while the
// message is being sealed.
func (s *Service) Deliver(ctx context.Context, address string, env Envelope, meta MessageMeta, raw []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	in, err := s.store.InboxByAddress(s.node.AddressHash(address))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !in.Live(s.cfg.Now())) {
		return "", ErrNoInbox
	}
	if err != nil {
		return "", fmt.Errorf("deliver: %w", err)
	}

	m, chunks, err := sealMessage(in, s.cfg.Now(), env, meta, raw)
	if err != nil {
		return "", fmt.Errorf("deliver to inbox %s: %w", encodeID(in.ID), err)
	}
	err = s.store.AddMessage(in.ID, s.cfg.Now(), m, chunks)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrNoInbox
	}
	if err != nil {
		return "", fmt.Errorf("deliver to inbox %s: %w", encodeID(in.ID), err)
	}

	messageID := encodeID(m.ID)
	s.log.Info("message delivered", "inbox_id", encodeID(in.ID), "message_id", messageID)
	return messageID, nil
}

// sealMessage makes the message's one encapsulation and seals its metadata
// and body.
func sealMessage(in store.Inbox, now time.Time, env Envelope, meta MessageMeta, raw []byte) (store.Message, [][]byte, error) {
	pub, err := seal.ParsePublicKey(in.PublicKey)
	if err != nil {
		return store.Message{}, nil, err
	}
	id, err := newMessageID(now)
	if err != nil {
		return store.Message{}, nil, err
	}
	enc, sealer, err := seal.NewMessageSealer(pub, id)
	if err != nil {
		return store.Message{}, nil, err
	}

	receivedAt := env.ReceivedAt
	if receivedAt.IsZero() {
		receivedAt = now
	}
	metaJSON, err := encodeMeta(sealedMeta{
		From:           meta.From,
		EnvelopeFrom:   env.From,
		Recipient:      env.Recipient,
		Subject:        meta.Subject,
		Date:           meta.Date,
		ReceivedAt:     receivedAt,
		Size:           int64(len(raw)),
		HasAttachments: meta.HasAttachments,
	})
	if err != nil {
		return store.Message{}, nil, err
	}
	chunks, err := sealer.SealBody(raw, seal.ChunkSize)
	if err != nil {
		return store.Message{}, nil, err
	}

	m := store.Message{
		ID:         id,
		Enc:        enc,
		SealedMeta: sealer.SealMeta(metaJSON),
		Size:       int64(len(raw)),
		Chunks:     uint32(len(chunks)),
	}
	return m, chunks, nil
}
