package store

import (
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// NewMessage is one message for AddMessages.
type NewMessage struct {
	InboxID []byte
	// Message is the record. AddMessages sets its Chunks and BodyInFile
	// from Body.
	Message Message
	Body    *BodyWriter
}

// AddMessages stores each message whose inbox exists and is live at now,
// all in one transaction, and reports which ones it stored. It returns
// once the body files, their directory entries and the transaction are
// durable. Concurrent calls share one commit and one fsync (see
// committer). It ends every body writer: the bodies of messages not stored
// are discarded.
//
// On an error nothing is reported stored. The body files stay, because a
// failed fsync of the commit leaves open whether the records reached the
// disk. The next Open, or the deletion of the inbox, removes those that no
// record refers to.
func (s *Store) AddMessages(now time.Time, msgs []NewMessage) ([]bool, error) {
	for _, m := range msgs {
		if err := m.Body.finish(); err != nil {
			discardAll(msgs)
			return nil, fmt.Errorf("add messages: %w", err)
		}
	}

	stored := make([]bool, len(msgs))
	stale := make([]bool, len(msgs))
	// A shared commit may call the function more than once, so it
	// recomputes stored and puts only fixed keys and values.
	err := s.commits.update(func(tx *bbolt.Tx) error {
		for i, m := range msgs {
			ok, moved, err := putNewMessage(tx, now, m)
			if err != nil {
				return err
			}
			stored[i], stale[i] = ok, moved
		}
		return nil
	})
	if err != nil {
		for _, m := range msgs {
			m.Body.release()
		}
		return nil, fmt.Errorf("add messages: %w", err)
	}

	for i, m := range msgs {
		if stored[i] {
			m.Body.release()
		} else {
			m.Body.Discard()
		}
	}
	if err := s.catchUpEpochs(msgs, stale); err != nil {
		return stored, fmt.Errorf("add messages: %w", err)
	}
	return stored, nil
}

// catchUpEpochs moves the inboxes of messages stored under an epoch their
// inbox has left while the message streamed in (an extension during the
// transfer). UpdateInbox re-seals every message not in the inbox's epoch,
// and an extension committed after this point moves the message itself, so
// no message stays behind in an epoch whose key will be destroyed.
func (s *Store) catchUpEpochs(msgs []NewMessage, stale []bool) error {
	for i, m := range msgs {
		if !stale[i] {
			continue
		}
		err := s.UpdateInbox(m.InboxID, func(*Inbox) error { return nil })
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// AddMessage stores a message and its sealed chunks in the inbox unless the
// inbox is gone or expired at now, in which case it returns ErrNotFound. It
// returns once the commit is durable. Concurrent calls share one commit.
// Chunks that add up to more than DefaultInlineMax bytes go to a body file.
// The message is sealed under the inbox's epoch.
func (s *Store) AddMessage(inboxID []byte, now time.Time, m Message, chunks [][]byte) error {
	if int(m.Chunks) != len(chunks) {
		return fmt.Errorf("add message: record has %d chunks, got %d", m.Chunks, len(chunks))
	}
	in, err := s.Inbox(inboxID)
	if err != nil {
		return fmt.Errorf("add message: %w", err)
	}
	body, err := s.NewBodyWriter(inboxID, m.ID, in.Epoch, DefaultInlineMax)
	if err != nil {
		return fmt.Errorf("add message: %w", err)
	}
	for _, c := range chunks {
		if err := body.WriteChunk(c); err != nil {
			body.Discard()
			return fmt.Errorf("add message: %w", err)
		}
	}
	stored, err := s.AddMessages(now, []NewMessage{{InboxID: inboxID, Message: m, Body: body}})
	if err != nil {
		return err
	}
	if !stored[0] {
		return fmt.Errorf("add message: %w", ErrNotFound)
	}
	return nil
}

// putNewMessage puts the record and the inline chunks of a message, and
// reports false without writing when its inbox is gone or expired.
//
// A message keeps the epoch its body writer was given; the second result
// reports that the inbox has moved to another epoch meanwhile, for
// catchUpEpochs.
func putNewMessage(tx *bbolt.Tx, now time.Time, m NewMessage) (bool, bool, error) {
	in, err := getInbox(tx, m.InboxID)
	if errors.Is(err, ErrNotFound) || (err == nil && !in.Live(now)) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}

	records, chunks, err := createMailbox(tx, m.InboxID)
	if err != nil {
		return false, false, err
	}
	record := m.Message
	record.Chunks = m.Body.Chunks()
	record.BodyInFile = m.Body.InFile()
	record.Epoch = m.Body.epoch
	if record.Seq, err = records.NextSequence(); err != nil {
		return false, false, err
	}
	if err := records.Put(record.ID, encodeMessage(sealRecordWith(m.Body.key, record))); err != nil {
		return false, false, err
	}
	err = m.Body.inlineChunks(func(index uint32, sealed []byte) error {
		return chunks.Put(chunkKey(record.ID, index), sealed)
	})
	return err == nil, err == nil && record.Epoch != in.Epoch, err
}

func discardAll(msgs []NewMessage) {
	for _, m := range msgs {
		m.Body.Discard()
	}
}
