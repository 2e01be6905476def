package edge

import (
	"context"
	"errors"

	"github.com/mayfly-mail/mayfly/edge/address"
	"github.com/mayfly-mail/mayfly/edge/metrics"
	"github.com/mayfly-mail/mayfly/edge/smtpd"
)

// countingBackend counts the SMTP outcomes of the backend it wraps, by
// outcome and reason only.
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
	case errors.Is(err, smtpd.ErrNoMailbox):
		b.metrics.SMTPRecipient(metrics.OutcomeRejected)
		b.metrics.SMTPRejected(metrics.StageRecipient, metrics.ReasonNoMailbox)
	case errors.Is(err, smtpd.ErrDomainNotServed):
		b.metrics.SMTPRecipient(metrics.OutcomeRejected)
		b.metrics.SMTPRejected(metrics.StageRecipient, metrics.ReasonDomainNotServed)
	default:
		b.metrics.SMTPRecipient(metrics.OutcomeDeferred)
		b.metrics.SMTPRejected(metrics.StageRecipient, metrics.ReasonTemporary)
	}
	return err
}

func (b countingBackend) BeginDelivery(ctx context.Context, env smtpd.Envelope) (smtpd.Delivery, error) {
	d, err := b.Backend.BeginDelivery(ctx, env)
	if err != nil {
		b.metrics.SMTPMessage(metrics.OutcomeFailed)
		b.metrics.SMTPRejected(metrics.StageData, metrics.ReasonTemporary)
		return nil, err
	}
	return &countingDelivery{Delivery: d, metrics: b.metrics}, nil
}

// countingDelivery counts the outcome of Commit or Abort and the size of
// what was written. The session calls one of them, from one goroutine.
type countingDelivery struct {
	smtpd.Delivery
	metrics   *metrics.Metrics
	size      int64
	committed bool
}

func (d *countingDelivery) Write(p []byte) (int, error) {
	n, err := d.Delivery.Write(p)
	d.size += int64(n)
	return n, err
}

func (d *countingDelivery) Commit(ctx context.Context) (int, error) {
	d.committed = true
	n, err := d.Delivery.Commit(ctx)
	switch {
	case err == nil && n > 0:
		d.metrics.SMTPMessage(metrics.OutcomeStored)
		d.metrics.SMTPMessageSize(d.size)
	case err == nil, errors.Is(err, smtpd.ErrNoMailbox):
		// Every inbox expired during the transfer: the session replies
		// 550 5.1.1 to zero stored copies too.
		d.metrics.SMTPMessage(metrics.OutcomeRejected)
		d.metrics.SMTPRejected(metrics.StageData, metrics.ReasonNoMailbox)
	default:
		d.metrics.SMTPMessage(metrics.OutcomeFailed)
		d.metrics.SMTPRejected(metrics.StageData, metrics.ReasonTemporary)
	}
	return n, err
}

// Abort counts a transfer that ended without Commit. The session also
// calls Abort after a Commit, which is not counted again.
func (d *countingDelivery) Abort() {
	if !d.committed {
		d.committed = true
		d.metrics.SMTPRejected(metrics.StageData, metrics.ReasonTransferAborted)
	}
	d.Delivery.Abort()
}
