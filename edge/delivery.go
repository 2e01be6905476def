package edge

import (
	"context"
	"errors"
	"fmt"

	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/mime"
	"github.com/mayfly-mail/mayfly/edge/smtpd"
)

// delivery fans one incoming message out to its parts: the local inbox
// delivery, with a summary writer for its listing metadata, and one
// streaming request per other owner. The owner of a forwarded copy
// computes that copy's metadata itself. The SMTP session calls its methods
// from one goroutine.
type delivery struct {
	local    *inbox.Delivery
	summary  *mime.SummaryWriter
	localErr error
	remote   []*remotePart
	finished bool
}

var _ smtpd.Delivery = (*delivery)(nil)

// Write passes p to every part. It never fails: a part that fails stops
// receiving data and makes Commit fail, after the session has read the
// whole message and can reply.
func (d *delivery) Write(p []byte) (int, error) {
	if d.local != nil && d.localErr == nil {
		if _, err := d.local.Write(p); err != nil {
			d.localErr = err
		}
		_, _ = d.summary.Write(p)
	}
	for _, part := range d.remote {
		part.write(p)
	}
	return len(p), nil
}

// Commit ends every part and returns the number of copies made durable.
// The owners' replies come first: if one failed, the local copies are
// discarded and the error (wrapping ErrOwnerUnavailable) makes the session
// reply 451, so that the sender retries.
//
// NOTE: copies that other owners already stored stay, so the retry
// delivers them twice. Avoiding that would need a two-phase commit across
// edges.
func (d *delivery) Commit(ctx context.Context) (int, error) {
	d.finished = true
	stored, err := d.finishRemote(ctx)
	if err == nil && d.localErr != nil {
		err = fmt.Errorf("store message: %w", d.localErr)
	}
	if err != nil {
		if d.local != nil {
			d.local.Abort()
		}
		return stored, err
	}

	if d.local != nil {
		n, err := d.local.Commit(ctx, d.meta())
		if err != nil && !errors.Is(err, inbox.ErrNoInbox) {
			return stored, fmt.Errorf("store message: %w", err)
		}
		stored += n
	}
	if stored == 0 {
		return 0, smtpd.ErrNoMailbox
	}
	return stored, nil
}

// finishRemote ends every owner's request, so that they commit in
// parallel, and then collects their replies.
func (d *delivery) finishRemote(ctx context.Context) (int, error) {
	results := make([]chan remoteResult, len(d.remote))
	for i, part := range d.remote {
		results[i] = make(chan remoteResult, 1)
		go func() {
			n, err := part.finish(ctx)
			results[i] <- remoteResult{stored: n, err: err}
		}()
	}
	stored := 0
	var errs []error
	for _, ch := range results {
		r := <-ch
		stored += r.stored
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	return stored, errors.Join(errs...)
}

type remoteResult struct {
	stored int
	err    error
}

// meta is the listing metadata of the local copies.
func (d *delivery) meta() inbox.MessageMeta {
	s := d.summary.Summary()
	return inbox.MessageMeta{From: s.From, Subject: s.Subject, Date: s.Date, HasAttachments: s.HasAttachments}
}

// Abort discards every part. It does nothing after Commit.
func (d *delivery) Abort() {
	if d.finished {
		return
	}
	d.finished = true
	if d.local != nil {
		d.local.Abort()
	}
	for _, part := range d.remote {
		part.abort()
	}
}
