package smtpd

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/mayfly-mail/mayfly/edge/address"
)

// Outcomes of CheckRecipient that the session turns into replies. Any other
// error is a temporary failure (451 4.3.0).
var (
	// ErrNoMailbox means no live inbox has the address: 550 5.1.1.
	ErrNoMailbox = errors.New("no such mailbox")
	// ErrDomainNotServed means the domain is not a pool domain that
	// receives mail: 550 5.7.1.
	ErrDomainNotServed = errors.New("domain not served")
)

// Recipient is one accepted RCPT.
type Recipient struct {
	// Address is the normalised inbox address, without a +tag.
	Address address.Address
	// Original is the forward-path as the sender wrote it.
	Original string
}

// Envelope is what the session knows of a transaction besides its content.
type Envelope struct {
	// From is the reverse-path, "" for the null path of bounces.
	From       string
	Recipients []Recipient
	ReceivedAt time.Time
}

// Backend decides which recipients the edge accepts and stores what it
// receives. The edge implements it over its own inboxes and, for inboxes
// another edge owns, over that edge's internal API.
type Backend interface {
	// CheckRecipient validates one RCPT. It returns nil, ErrNoMailbox,
	// ErrDomainNotServed or a temporary error.
	CheckRecipient(ctx context.Context, addr address.Address) error
	// BeginDelivery starts storing one message for every recipient of env.
	BeginDelivery(ctx context.Context, env Envelope) (Delivery, error)
}

// Delivery receives one message as it streams in. The session writes the
// content (dot-unstuffed, CRLF line endings) and then calls Commit once, or
// Abort if the transfer failed. Memory use must not grow with the message
// size.
type Delivery interface {
	io.Writer
	// Commit makes the message durable for every recipient and returns the
	// number of recipients it was stored for. An inbox that expired during
	// the transfer is skipped; zero stored copies is ErrNoMailbox.
	Commit(ctx context.Context) (int, error)
	// Abort discards everything written so far. It is safe after Commit.
	Abort()
}
