package store

import (
	"errors"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// messageKey returns the epoch layer of a message under its epoch.
func (s *Store) messageKey(inboxID []byte, m Message) (*seal.EpochMessageKey, error) {
	key, err := s.epochs.MessageKey(m.Epoch, inboxID, m.ID)
	if err != nil {
		return nil, fmt.Errorf("message %x: %w", m.ID, err)
	}
	return key, nil
}

// sealRecord returns m as it is stored: its encapsulated key and metadata
// sealed under the key of m.Epoch.
func (s *Store) sealRecord(inboxID []byte, m Message) (Message, error) {
	key, err := s.messageKey(inboxID, m)
	if err != nil {
		return Message{}, err
	}
	return sealRecordWith(key, m), nil
}

func sealRecordWith(key *seal.EpochMessageKey, m Message) Message {
	m.Enc = key.AppendSeal(nil, seal.EpochPartEnc, 0, m.Enc)
	m.SealedMeta = key.AppendSeal(nil, seal.EpochPartMeta, 0, m.SealedMeta)
	return m
}

// openRecord removes the epoch layer of a stored record. It returns an error
// wrapping seal.ErrEpochKeyNotFound once the epoch's key is destroyed.
func (s *Store) openRecord(inboxID []byte, stored Message) (Message, error) {
	key, err := s.messageKey(inboxID, stored)
	if err != nil {
		return Message{}, err
	}
	return openRecordWith(key, stored)
}

func openRecordWith(key *seal.EpochMessageKey, stored Message) (Message, error) {
	m := stored
	var err error
	if m.Enc, err = key.AppendOpen(nil, seal.EpochPartEnc, 0, stored.Enc); err != nil {
		return Message{}, fmt.Errorf("open encapsulated key of message %x: %w", stored.ID, err)
	}
	if m.SealedMeta, err = key.AppendOpen(nil, seal.EpochPartMeta, 0, stored.SealedMeta); err != nil {
		return Message{}, fmt.Errorf("open metadata of message %x: %w", stored.ID, err)
	}
	return m, nil
}

// DeleteUnreadable deletes every inbox whose epoch key the store's epoch
// keys do not hold, with everything DeleteInbox deletes, and returns how
// many it deleted. After a lost or unreadable key file nothing of these
// inboxes can be opened again, so keeping their records would only keep
// their addresses taken.
func (s *Store) DeleteUnreadable() (int, error) {
	var deleted []Inbox
	err := s.db.Update(func(tx *bbolt.Tx) error {
		deleted = deleted[:0]
		var unreadable []Inbox
		err := tx.Bucket(bucketInboxes).ForEach(func(id, record []byte) error {
			in, err := decodeInbox(record)
			if err == nil && !s.epochs.Has(in.Epoch) {
				in.ID = append([]byte(nil), id...)
				unreadable = append(unreadable, in)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, in := range unreadable {
			if err := deleteInbox(tx, in); err != nil {
				return err
			}
			deleted = append(deleted, in)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete unreadable inboxes: %w", err)
	}
	var errs []error
	for _, in := range deleted {
		s.index.remove(in)
		errs = append(errs, s.bodies.removeInbox(in.ID))
	}
	if err := errors.Join(errs...); err != nil {
		return len(deleted), fmt.Errorf("delete unreadable inboxes: %w", err)
	}
	return len(deleted), nil
}
