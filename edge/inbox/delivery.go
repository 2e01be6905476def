package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

// deliveryBufferMax bounds the sealed body that one delivery keeps in
// memory across all its copies. A copy whose share would be exceeded goes
// to a body file, so that a message with many recipients costs no more
// memory than one with a single recipient.
const deliveryBufferMax = 1 << 20

// errDeliveryEnded is returned by a Delivery used after Commit or Abort.
var errDeliveryEnded = errors.New("delivery already committed or aborted")

// DeliveryRecipient is one recipient of a delivery.
type DeliveryRecipient struct {
	// Address is the normalised inbox address, without a +tag.
	Address string
	// Original is the forward-path as given in RCPT, which the message's
	// listing shows as its recipient.
	Original string
}

// Delivery is one message being stored as it streams in. Write seals the
// body chunk by chunk for every copy, and Commit seals the listing
// metadata and makes the copies durable. It holds one plaintext chunk and
// one sealed chunk. Each copy holds its sealed body while that fits in the
// copy's share of deliveryBufferMax, and one chunk at a time once the body
// has moved to a file. That is about 1 MiB plus 64 KiB per copy, whatever
// the message size. It is not safe for concurrent use.
type Delivery struct {
	s          *Service
	env        Envelope
	receivedAt time.Time
	copies     []*deliveryCopy

	plain  *[]byte // the chunk being filled, from Service.plainPool
	sealed *[]byte // scratch for a sealed chunk, from Service.sealedPool
	size   int64
	err    error
	ended  bool

	// stored lists the ids of the copies Commit stored.
	stored []string
}

// deliveryCopy is the copy of the message for one inbox: its own message
// id, HPKE encapsulation, sealer and body.
type deliveryCopy struct {
	inboxID   []byte
	epoch     int64
	messageID []byte
	recipient string
	enc       []byte
	sealer    *seal.MessageSealer
	body      *store.BodyWriter
}

// BeginDelivery starts one message for the live inboxes among rcpts. Each
// gets its own copy with its own HPKE encapsulation. An inbox named by
// several recipients (tags of one address) gets one copy, listed with the
// first recipient. Recipients without a live inbox are skipped, and with
// none left the delivery discards what it is given and Commit returns
// ErrNoInbox. The caller ends the delivery with Commit or Abort.
func (s *Service) BeginDelivery(ctx context.Context, env Envelope, rcpts []DeliveryRecipient) (*Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	d := &Delivery{s: s, env: env, receivedAt: env.ReceivedAt}
	if d.receivedAt.IsZero() {
		d.receivedAt = now
	}

	seen := make(map[string]bool, len(rcpts))
	for _, r := range rcpts {
		in, ok, err := s.liveInboxByAddress(r.Address, now)
		if err != nil {
			return nil, fmt.Errorf("begin delivery: %w", err)
		}
		if !ok || seen[string(in.ID)] {
			continue
		}
		seen[string(in.ID)] = true
		c, err := s.newDeliveryCopy(in, now, r.Original)
		if err != nil {
			return nil, fmt.Errorf("begin delivery to inbox %s: %w", encodeID(in.ID), err)
		}
		d.copies = append(d.copies, c)
	}
	if len(d.copies) > 0 {
		if err := d.startBodies(); err != nil {
			d.end()
			return nil, fmt.Errorf("begin delivery: %w", err)
		}
	}
	return d, nil
}

// liveInboxByAddress returns the inbox at address and whether it is live.
func (s *Service) liveInboxByAddress(address string, now time.Time) (store.Inbox, bool, error) {
	in, err := s.store.InboxByAddress(s.node.AddressHash(address))
	if errors.Is(err, store.ErrNotFound) {
		return store.Inbox{}, false, nil
	}
	if err != nil {
		return store.Inbox{}, false, err
	}
	return in, in.Live(now), nil
}

// newDeliveryCopy makes the copy's one HPKE encapsulation.
func (s *Service) newDeliveryCopy(in store.Inbox, now time.Time, recipient string) (*deliveryCopy, error) {
	pub, err := s.keys.publicKey(in.ID, in.PublicKey)
	if err != nil {
		return nil, err
	}
	id, err := newMessageID(now)
	if err != nil {
		return nil, err
	}
	enc, sealer, err := seal.NewMessageSealer(pub, id)
	if err != nil {
		return nil, err
	}
	return &deliveryCopy{inboxID: in.ID, epoch: in.Epoch, messageID: id, recipient: recipient, enc: enc, sealer: sealer}, nil
}

// startBodies takes the chunk buffers and starts each copy's body with its
// share of deliveryBufferMax, under the epoch of the copy's inbox.
func (d *Delivery) startBodies() error {
	inlineMax := min(store.DefaultInlineMax, deliveryBufferMax/len(d.copies))
	for _, c := range d.copies {
		body, err := d.s.store.NewBodyWriter(c.inboxID, c.messageID, c.epoch, inlineMax)
		if err != nil {
			return fmt.Errorf("inbox %s: %w", encodeID(c.inboxID), err)
		}
		c.body = body
	}
	d.plain = d.s.plainPool.Get().(*[]byte)
	d.sealed = d.s.sealedPool.Get().(*[]byte)
	return nil
}

// Write adds p to the body. It seals a chunk for every copy each time a
// full chunk is followed by more data, so the last chunk, which is sealed
// as the last, waits for Commit. After an error every call fails.
func (d *Delivery) Write(p []byte) (int, error) {
	if d.ended {
		return 0, errDeliveryEnded
	}
	if d.err != nil {
		return 0, d.err
	}
	if len(d.copies) == 0 {
		d.size += int64(len(p))
		return len(p), nil
	}

	written := 0
	for written < len(p) {
		if len(*d.plain) == seal.ChunkSize {
			if err := d.sealChunk(false); err != nil {
				d.err = fmt.Errorf("deliver: %w", err)
				return written, d.err
			}
		}
		n := min(len(p)-written, seal.ChunkSize-len(*d.plain))
		*d.plain = append(*d.plain, p[written:written+n]...)
		written += n
		d.size += int64(n)
	}
	return written, nil
}

// sealChunk seals the buffered chunk for every copy and writes it to the
// copy's body.
func (d *Delivery) sealChunk(last bool) error {
	for _, c := range d.copies {
		appendChunk := c.sealer.AppendChunk
		if last {
			appendChunk = c.sealer.AppendLastChunk
		}
		sealed, err := appendChunk((*d.sealed)[:0], *d.plain)
		if err != nil {
			return err
		}
		*d.sealed = sealed
		if err := c.body.WriteChunk(sealed); err != nil {
			return err
		}
	}
	*d.plain = (*d.plain)[:0]
	return nil
}

// Commit seals the last chunk and the listing metadata of every copy and
// stores the copies whose inbox is still live, all in one transaction.
// It returns the number of copies stored once they are durable. An inbox
// that expired or was deleted during the transfer is skipped, and with no
// copy stored Commit returns ErrNoInbox. On any error nothing is visible.
func (d *Delivery) Commit(ctx context.Context, meta MessageMeta) (int, error) {
	if d.ended {
		return 0, errDeliveryEnded
	}
	defer d.end()
	switch {
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case d.err != nil:
		return 0, d.err
	case len(d.copies) == 0:
		return 0, ErrNoInbox
	}

	msgs, err := d.sealCopies(meta)
	if err != nil {
		return 0, fmt.Errorf("deliver: %w", err)
	}
	stored, err := d.s.store.AddMessages(d.s.cfg.Now(), msgs)
	if err != nil {
		return 0, fmt.Errorf("deliver: %w", err)
	}
	d.report(stored)
	if len(d.stored) == 0 {
		return 0, ErrNoInbox
	}
	return len(d.stored), nil
}

// sealCopies seals the last chunk and the metadata of every copy.
func (d *Delivery) sealCopies(meta MessageMeta) ([]store.NewMessage, error) {
	if err := d.sealChunk(true); err != nil {
		return nil, err
	}
	msgs := make([]store.NewMessage, 0, len(d.copies))
	for _, c := range d.copies {
		metaJSON, err := encodeMeta(sealedMeta{
			From:           meta.From,
			EnvelopeFrom:   d.env.From,
			Recipient:      c.recipient,
			Subject:        meta.Subject,
			Date:           meta.Date,
			ReceivedAt:     d.receivedAt,
			Size:           d.size,
			HasAttachments: meta.HasAttachments,
		})
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, store.NewMessage{
			InboxID: c.inboxID,
			Message: store.Message{ID: c.messageID, Enc: c.enc, SealedMeta: c.sealer.SealMeta(metaJSON), Size: d.size},
			Body:    c.body,
		})
	}
	return msgs, nil
}

func (d *Delivery) report(stored []bool) {
	for i, c := range d.copies {
		if !stored[i] {
			d.s.log.Debug("delivery skipped an inbox that expired or was deleted", "inbox_id", encodeID(c.inboxID))
			continue
		}
		id := encodeID(c.messageID)
		d.stored = append(d.stored, id)
		d.s.notes.notify(encodeID(c.inboxID))
		d.s.log.Info("message delivered", "inbox_id", encodeID(c.inboxID), "message_id", id, "size", d.size)
	}
}

// Abort discards the message: nothing written so far becomes visible, and
// body files are removed. It is safe after Commit, where it does nothing.
func (d *Delivery) Abort() {
	if !d.ended {
		d.end()
	}
}

// end discards the bodies not committed and returns the buffers.
func (d *Delivery) end() {
	d.ended = true
	for _, c := range d.copies {
		if c.body != nil {
			c.body.Discard()
		}
	}
	if d.plain != nil {
		// The buffer goes back to the pool without the message's plaintext.
		// Every chunk is written from the start of the buffer, so only the
		// first min(size, ChunkSize) bytes were used.
		clear((*d.plain)[:min(d.size, seal.ChunkSize)])
		*d.plain = (*d.plain)[:0]
		d.s.plainPool.Put(d.plain)
		d.s.sealedPool.Put(d.sealed)
		d.plain, d.sealed = nil, nil
	}
}
