package edge

import (
	"context"
	"errors"
	"fmt"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/edge/address"
	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/mime"
	"github.com/mayfly-mail/mayfly/edge/smtpd"
)

// localInboxes is the part of the inbox service that SMTP intake uses.
type localInboxes interface {
	Accepts(ctx context.Context, address string) (bool, error)
	BeginDelivery(ctx context.Context, env inbox.Envelope, rcpts []inbox.DeliveryRecipient) (*inbox.Delivery, error)
}

// ownerDirectory reports which domains receive mail and which edge owns an
// owner code. directory.Watcher is one.
type ownerDirectory interface {
	DomainStatus(name string) (state.DomainStatus, bool)
	EdgeByOwnerCode(code string) (state.Edge, bool)
}

// dispatcher is the edge's smtpd.Backend. It stores mail for the inboxes
// this edge owns and forwards mail for inboxes of the region's other edges
// to their owner over the internal API. It is safe for concurrent use.
type dispatcher struct {
	ownCode string
	local   localInboxes
	dir     ownerDirectory
	owners  *ownerClient
}

var _ smtpd.Backend = (*dispatcher)(nil)

// CheckRecipient accepts addr when its domain receives mail and a live
// inbox has it, here or at its owner. An unreachable owner is a temporary
// error wrapping ErrOwnerUnavailable.
func (d *dispatcher) CheckRecipient(ctx context.Context, addr address.Address) error {
	status, ok := d.dir.DomainStatus(addr.Domain)
	if !ok || !status.ServesMail() {
		return smtpd.ErrDomainNotServed
	}

	owner, remote := d.ownerOf(addr)
	var live bool
	var err error
	if remote {
		live, err = d.owners.checkRecipient(ctx, owner, addr.String())
	} else {
		live, err = d.local.Accepts(ctx, addr.String())
	}
	if err != nil {
		return fmt.Errorf("check recipient: %w", err)
	}
	if !live {
		return smtpd.ErrNoMailbox
	}
	return nil
}

// ownerOf returns the edge that owns addr, or remote false when this edge
// does. A local part without a code (an exact one created through the Go
// API) and a code that no edge of the directory has are looked up here,
// where an inbox is found only for such an exact local part.
func (d *dispatcher) ownerOf(addr address.Address) (state.Edge, bool) {
	code, ok := address.OwnerCode(addr.Local)
	if !ok || code == d.ownCode {
		return state.Edge{}, false
	}
	owner, found := d.dir.EdgeByOwnerCode(code)
	if !found {
		return state.Edge{}, false
	}
	return owner, true
}

// BeginDelivery starts one message: a local inbox delivery for the
// recipients this edge owns and one streaming POST per other owner.
func (d *dispatcher) BeginDelivery(ctx context.Context, env smtpd.Envelope) (smtpd.Delivery, error) {
	local, remote := d.group(env.Recipients)
	del := &delivery{}

	if len(local) > 0 {
		inboxEnv := inbox.Envelope{From: env.From, ReceivedAt: env.ReceivedAt}
		part, err := d.local.BeginDelivery(ctx, inboxEnv, local)
		switch {
		case errors.Is(err, inbox.ErrNoInbox):
			// Every local recipient expired since RCPT.
		case err != nil:
			return nil, fmt.Errorf("begin delivery: %w", err)
		default:
			del.local, del.summary = part, mime.NewSummaryWriter()
		}
	}
	for _, group := range remote {
		part, err := d.owners.beginRemote(ctx, group.owner, deliveryEnvelope{
			From:       env.From,
			ReceivedAt: env.ReceivedAt,
			Recipients: group.recipients,
		})
		if err != nil {
			del.Abort()
			return nil, fmt.Errorf("begin delivery: %w", err)
		}
		del.remote = append(del.remote, part)
	}
	return del, nil
}

// ownerGroup is the recipients of one message that one other edge owns.
type ownerGroup struct {
	owner      state.Edge
	recipients []deliveryRecipient
}

// group splits recipients by owner, keeping the order of first appearance.
func (d *dispatcher) group(rcpts []smtpd.Recipient) ([]inbox.DeliveryRecipient, []*ownerGroup) {
	var local []inbox.DeliveryRecipient
	var remote []*ownerGroup
	byOwner := map[string]*ownerGroup{}
	for _, r := range rcpts {
		owner, isRemote := d.ownerOf(r.Address)
		if !isRemote {
			local = append(local, inbox.DeliveryRecipient{Address: r.Address.String(), Original: r.Original})
			continue
		}
		g := byOwner[owner.ID]
		if g == nil {
			g = &ownerGroup{owner: owner}
			byOwner[owner.ID] = g
			remote = append(remote, g)
		}
		g.recipients = append(g.recipients, deliveryRecipient{Address: r.Address.String(), Original: r.Original})
	}
	return local, remote
}
