package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

// maxBodyPrealloc bounds the buffer that Message allocates up front.
const maxBodyPrealloc = 32 << 20

// MessageSummary is a message as the listing shows it.
type MessageSummary struct {
	ID string
	// From is the header From, or the envelope sender when the header has
	// none.
	From string
	// Subject is the decoded Subject header.
	Subject string
	// Recipient is the address as given in RCPT, which may carry a +tag.
	Recipient string
	// EnvelopeFrom is the SMTP reverse-path, "" for the null path of bounces.
	EnvelopeFrom   string
	Date           time.Time
	ReceivedAt     time.Time
	Size           int64 // raw message size in bytes
	HasAttachments bool
	Seen           bool
	// Seq orders the inbox's messages by the time they were stored, from
	// 1; it is 0 for messages stored by versions that did not record it.
	Seq uint64
}

// Messages returns the summaries of every message, newest first. A message
// whose metadata fails to open makes the whole call fail, because that
// means the store was changed.
func (a *Access) Messages(ctx context.Context) ([]MessageSummary, error) {
	if _, err := a.liveInbox(ctx); err != nil {
		return nil, err
	}
	records, err := a.s.store.Messages(a.id)
	if err != nil {
		return nil, fmt.Errorf("list messages of inbox %s: %w", encodeID(a.id), err)
	}

	// A record that does not open, because it is damaged on disk or its
	// epoch key is gone, is left out and logged so that it cannot hide the
	// rest of the inbox. Reading it by id still returns the error.
	summaries := make([]MessageSummary, 0, len(records))
	for _, m := range slices.Backward(records) {
		summary, _, err := a.openMeta(m)
		if err != nil {
			a.s.log.Error("message left out of the listing", "inbox_id", encodeID(a.id), "message_id", encodeID(m.ID), "error", err)
			continue
		}
		summaries = append(summaries, summary)
	}
	return summaries, nil
}

// Message returns the summary and raw bytes of one message. An id that is
// malformed or not in this inbox is ErrMessageNotFound. A changed chunk or
// metadata is an error wrapping seal.ErrDecrypt, never wrong data. It reads
// the whole message into memory, which OpenMessage avoids.
func (a *Access) Message(ctx context.Context, id string) (MessageSummary, []byte, error) {
	summary, body, err := a.OpenMessage(ctx, id)
	if err != nil {
		return MessageSummary{}, nil, err
	}
	defer body.Close()

	raw, err := readAll(body, summary.Size)
	if err != nil {
		return MessageSummary{}, nil, err
	}
	return summary, raw, nil
}

// readAll reads r to its end into a buffer sized for sizeHint bytes, so
// that a message of the expected size is read without copying. The hint
// comes from the sealed metadata, so it is authentic, but it sizes the
// buffer only up to maxBodyPrealloc all the same.
func readAll(r io.Reader, sizeHint int64) ([]byte, error) {
	// One spare byte lets the last Read report io.EOF without a grow.
	buf := make([]byte, 0, min(max(sizeHint, 0), maxBodyPrealloc)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// MarkSeen marks the message as seen, or returns ErrMessageNotFound.
func (a *Access) MarkSeen(ctx context.Context, id string) error {
	m, err := a.message(ctx, id)
	if err != nil {
		return err
	}
	err = a.s.store.SetSeen(a.id, m.ID)
	if errors.Is(err, store.ErrMessageNotFound) {
		return ErrMessageNotFound
	}
	if err != nil {
		return fmt.Errorf("mark message %s seen: %w", id, err)
	}
	return nil
}

// DeleteMessage deletes the message, or returns ErrMessageNotFound.
func (a *Access) DeleteMessage(ctx context.Context, id string) error {
	m, err := a.message(ctx, id)
	if err != nil {
		return err
	}
	err = a.s.store.DeleteMessage(a.id, m.ID)
	if errors.Is(err, store.ErrMessageNotFound) {
		return ErrMessageNotFound
	}
	if err != nil {
		return fmt.Errorf("delete message %s: %w", id, err)
	}
	a.s.log.Info("message deleted", "inbox_id", encodeID(a.id), "message_id", id)
	return nil
}

// message checks that the inbox is live and returns the message record.
func (a *Access) message(ctx context.Context, id string) (store.Message, error) {
	if _, err := a.liveInbox(ctx); err != nil {
		return store.Message{}, err
	}
	messageID, ok := parseID(id)
	if !ok {
		return store.Message{}, ErrMessageNotFound
	}
	m, err := a.s.store.Message(a.id, messageID)
	if errors.Is(err, store.ErrMessageNotFound) {
		return store.Message{}, ErrMessageNotFound
	}
	if err != nil {
		return store.Message{}, fmt.Errorf("get message %s: %w", id, err)
	}
	return m, nil
}

// openMeta decapsulates the message key and opens the metadata.
func (a *Access) openMeta(m store.Message) (MessageSummary, *seal.MessageOpener, error) {
	opener, err := seal.OpenMessage(a.privateKey, m.Enc, m.ID)
	if err != nil {
		return MessageSummary{}, nil, err
	}
	metaJSON, err := opener.OpenMeta(m.SealedMeta)
	if err != nil {
		return MessageSummary{}, nil, fmt.Errorf("open metadata of message %s: %w", encodeID(m.ID), err)
	}
	meta, err := decodeMeta(metaJSON)
	if err != nil {
		return MessageSummary{}, nil, err
	}

	from := meta.From
	if from == "" {
		from = meta.EnvelopeFrom
	}
	summary := MessageSummary{
		ID:             encodeID(m.ID),
		From:           from,
		Subject:        meta.Subject,
		Recipient:      meta.Recipient,
		EnvelopeFrom:   meta.EnvelopeFrom,
		Date:           meta.Date,
		ReceivedAt:     meta.ReceivedAt,
		Size:           meta.Size,
		HasAttachments: meta.HasAttachments,
		Seen:           m.Seen,
		Seq:            m.Seq,
	}
	return summary, opener, nil
}
