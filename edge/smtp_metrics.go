package edge

import (
	"context"
	"errors"

	"github.com/mayfly-mail/mayfly/edge/address"
	"github.com/mayfly-mail/mayfly/edge/metrics"
	"github.com/mayfly-mail/mayfly/edge/smtpd"
)

// countingBackend counts the SMTP outcomes of the backend it wraps, by
// outcome only.
type countingBackend struct {
	smtpd.Backend
	metrics *metrics.Metrics
}

var _ smtpd.Backend = countingBackend{}

func (b countingBackend) CheckRecipient(ctx context.Context, addr address.Address) error {
	err := b.Backend.CheckRecipient(ctx, addr)
	switch {
	case err == nil:
		b.metrics.SMTPRecipient(metrics.OutcomeAccepted)
	case errors.Is(err, smtpd.ErrNoMailbox), errors.Is(err, smtpd.ErrDomainNotServed):
		b.metrics.SMTPRecipient(metrics.OutcomeRejected)
	default:
		b.metrics.SMTPRecipient(metrics.OutcomeDeferred)
	}
	return err
}

func (b countingBackend) BeginDelivery(ctx context.Context, env smtpd.Envelope) (smtpd.Delivery, error) {
	d, err := b.Backend.BeginDelivery(ctx, env)
	if err != nil {
		b.metrics.SMTPMessage(metrics.OutcomeFailed)
		return nil, err
	}
	return &countingDelivery{Delivery: d, metrics: b.metrics}, nil
}

// countingDelivery counts the outcome of Commit.
type countingDelivery struct {
	smtpd.Delivery
	metrics *metrics.Metrics
}

func (d *countingDelivery) Commit(ctx context.Context) (int, error) {
	n, err := d.Delivery.Commit(ctx)
	switch {
	case err == nil:
		d.metrics.SMTPMessage(metrics.OutcomeStored)
	case errors.Is(err, smtpd.ErrNoMailbox):
		d.metrics.SMTPMessage(metrics.OutcomeRejected)
	default:
		d.metrics.SMTPMessage(metrics.OutcomeFailed)
	}
	return n, err
}
