package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// Message is the record of one sealed message. Its body is stored as
// Chunks sealed chunks, in the database beside the record or in a body file.
// The store seals Enc, SealedMeta and every chunk again under the key of
// Epoch, and its methods take and return them without that layer.
type Message struct {
	ID         []byte
	Enc        []byte // HPKE encapsulated key
	SealedMeta []byte
	// Epoch is the epoch whose key seals the message's parts on disk. The
	// store sets it: callers' values are ignored.
	Epoch  int64
	Size   int64 // plaintext body size in bytes
	Chunks uint32
	Seen   bool
	// BodyInFile is whether the chunks are in the message's body file
	// rather than in the chunk bucket.
	BodyInFile bool
	// Seq orders the inbox's messages by commit, from 1. The store sets
	// it. IDs begin with the time a message started to arrive, so a large
	// message can commit after a smaller one with a later ID; readers that
	// resume from a message use Seq to miss neither.
	Seq uint64
}

// Messages returns the inbox's messages, oldest first. An inbox without
// messages, or one that does not exist, has none.
func (s *Store) Messages(inboxID []byte) ([]Message, error) {
	var out []Message
	err := s.db.View(func(tx *bbolt.Tx) error {
		records, _ := mailbox(tx, inboxID)
		if records == nil {
			return nil
		}
		return records.ForEach(func(id, record []byte) error {
			m, err := decodeMessage(id, record)
			if err != nil {
				return err
			}
			if m, err = s.openRecord(inboxID, m); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return out, nil
}

// CountMessages returns the number of messages in the inbox.
func (s *Store) CountMessages(inboxID []byte) (int, error) {
	n := 0
	err := s.db.View(func(tx *bbolt.Tx) error {
		records, _ := mailbox(tx, inboxID)
		if records != nil {
			n = records.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count messages: %w", err)
	}
	return n, nil
}

// Message returns one message record, or ErrMessageNotFound.
func (s *Store) Message(inboxID, messageID []byte) (Message, error) {
	var m Message
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		if m, err = getMessage(tx, inboxID, messageID); err != nil {
			return err
		}
		m, err = s.openRecord(inboxID, m)
		return err
	})
	if err != nil {
		return Message{}, fmt.Errorf("get message: %w", err)
	}
	return m, nil
}

// SetSeen marks the message as seen, or returns ErrMessageNotFound.
func (s *Store) SetSeen(inboxID, messageID []byte) error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		m, err := getMessage(tx, inboxID, messageID)
		if err != nil || m.Seen {
			return err
		}
		m.Seen = true
		records, _ := mailbox(tx, inboxID)
		return records.Put(messageID, encodeMessage(m))
	})
	if err != nil {
		return fmt.Errorf("mark message seen: %w", err)
	}
	return nil
}

// DeleteMessage deletes the message and its chunks in one transaction, or
// returns ErrMessageNotFound. It then removes the message's body file, if
// it has one. If that removal fails, the message is deleted all the same,
// the error is returned, and the next Open removes the file.
func (s *Store) DeleteMessage(inboxID, messageID []byte) error {
	var m Message
	err := s.db.Update(func(tx *bbolt.Tx) (err error) {
		if m, err = getMessage(tx, inboxID, messageID); err != nil {
			return err
		}
		records, chunks := mailbox(tx, inboxID)
		if err := records.Delete(messageID); err != nil {
			return err
		}
		return deleteChunks(chunks, messageID)
	})
	if err != nil {
		return fmt.Errorf("delete message: %w", err)
	}
	if m.BodyInFile {
		if err := s.bodies.removeFile(inboxID, messageID, m.Epoch); err != nil {
			return fmt.Errorf("delete message: %w", err)
		}
	}
	return nil
}

// PutMessage replaces the record of an existing message, or returns
// ErrMessageNotFound. Its chunks and its epoch stay as they are.
func (s *Store) PutMessage(inboxID []byte, m Message) error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		old, err := getMessage(tx, inboxID, m.ID)
		if err != nil {
			return err
		}
		m.Epoch = old.Epoch
		stored, err := s.sealRecord(inboxID, m)
		if err != nil {
			return err
		}
		records, _ := mailbox(tx, inboxID)
		return records.Put(m.ID, encodeMessage(stored))
	})
	if err != nil {
		return fmt.Errorf("put message: %w", err)
	}
	return nil
}

// PutChunk replaces or adds one sealed chunk of an existing message whose
// body is in the database, or returns ErrMessageNotFound. It does not
// change the message's chunk count, and it fails for a body in a file.
func (s *Store) PutChunk(inboxID, messageID []byte, index uint32, sealed []byte) error {
	err := s.db.Update(func(tx *bbolt.Tx) error {
		m, err := getMessage(tx, inboxID, messageID)
		if err != nil {
			return err
		}
		if m.BodyInFile {
			return errors.New("the body is in a file")
		}
		key, err := s.messageKey(inboxID, m)
		if err != nil {
			return err
		}
		_, chunks := mailbox(tx, inboxID)
		return chunks.Put(chunkKey(messageID, index), key.AppendSeal(nil, seal.EpochPartChunk, index, sealed))
	})
	if err != nil {
		return fmt.Errorf("put chunk: %w", err)
	}
	return nil
}

// mailbox returns the message and chunk buckets of an inbox, or nils when
// it has never received a message.
func mailbox(tx *bbolt.Tx, inboxID []byte) (records, chunks *bbolt.Bucket) {
	b := tx.Bucket(bucketMessages).Bucket(inboxID)
	if b == nil {
		return nil, nil
	}
	return b.Bucket(bucketMessageRecords), b.Bucket(bucketChunks)
}

func createMailbox(tx *bbolt.Tx, inboxID []byte) (records, chunks *bbolt.Bucket, err error) {
	b, err := tx.Bucket(bucketMessages).CreateBucketIfNotExists(inboxID)
	if err != nil {
		return nil, nil, err
	}
	if records, err = b.CreateBucketIfNotExists(bucketMessageRecords); err != nil {
		return nil, nil, err
	}
	if chunks, err = b.CreateBucketIfNotExists(bucketChunks); err != nil {
		return nil, nil, err
	}
	return records, chunks, nil
}

func getMessage(tx *bbolt.Tx, inboxID, messageID []byte) (Message, error) {
	records, _ := mailbox(tx, inboxID)
	if records == nil {
		return Message{}, ErrMessageNotFound
	}
	record := records.Get(messageID)
	if record == nil {
		return Message{}, ErrMessageNotFound
	}
	return decodeMessage(messageID, record)
}

// deleteChunks collects the keys first, because deleting under a bbolt
// cursor while it iterates can skip keys.
func deleteChunks(chunks *bbolt.Bucket, messageID []byte) error {
	var keys [][]byte
	c := chunks.Cursor()
	for k, _ := c.Seek(messageID); k != nil && bytes.HasPrefix(k, messageID); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := chunks.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func chunkKey(messageID []byte, index uint32) []byte {
	key := append([]byte(nil), messageID...)
	return binary.BigEndian.AppendUint32(key, index)
}

func encodeMessage(m Message) []byte {
	e := newEncoder(messageRecordVersion)
	e.bytes(m.Enc)
	e.bytes(m.SealedMeta)
	e.int64(m.Size)
	e.uvarint(uint64(m.Chunks))
	e.bool(m.Seen)
	e.bool(m.BodyInFile)
	e.int64(m.Epoch)
	e.uvarint(m.Seq)
	return e.buf
}

func decodeMessage(id, record []byte) (Message, error) {
	d := newDecoder(record, messageRecordVersion)
	m := Message{
		ID:         append([]byte(nil), id...),
		Enc:        d.bytes(),
		SealedMeta: d.bytes(),
		Size:       d.int64(),
	}
	chunks := d.uvarint()
	m.Seen = d.bool()
	if d.version >= 2 {
		m.BodyInFile = d.bool()
	}
	if d.version >= 3 {
		m.Epoch = d.int64()
	}
	if d.version >= 4 {
		m.Seq = d.uvarint()
	}
	if err := d.finish(); err != nil {
		return Message{}, fmt.Errorf("message %x: %w", id, err)
	}
	if chunks > 1<<32-1 {
		return Message{}, fmt.Errorf("message %x: %w: chunk count %d", id, ErrCorruptRecord, chunks)
	}
	m.Chunks = uint32(chunks)
	return m, nil
}
