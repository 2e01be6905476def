package inbox

import (
	"context"
	"time"
)

// Envelope is the SMTP envelope of a delivered message.
type Envelope struct {
	From string
	// Recipient is the address as given in RCPT, which may carry a +tag.
	// Deliver stores it as the message's recipient. BeginDelivery does not
	// use it, because each DeliveryRecipient carries its own.
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
// message is being sealed. It is BeginDelivery, Write and Commit for one
// recipient, env.Recipient, and a message already in memory.
func (s *Service) Deliver(ctx context.Context, address string, env Envelope, meta MessageMeta, raw []byte) (string, error) {
	d, err := s.BeginDelivery(ctx, env, []DeliveryRecipient{{Address: address, Original: env.Recipient}})
	if err != nil {
		return "", err
	}
	defer d.Abort()
	if _, err := d.Write(raw); err != nil {
		return "", err
	}
	if _, err := d.Commit(ctx, meta); err != nil {
		return "", err
	}
	return d.stored[0], nil
}
