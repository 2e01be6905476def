package store

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"go.etcd.io/bbolt"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// epochMove collects the body files of one transaction that moves messages
// to another epoch: the new files, removed if the transaction fails, and
// the old ones, removed once it has committed.
type epochMove struct {
	inboxID  []byte
	newFiles []string
	oldFiles []string
}

// moveMessages re-seals every message of the inbox whose epoch is not
// in.Epoch under in.Epoch: the record, the inline chunks and the body
// file, which is written and synced beside the old one. The caller commits
// the transaction and then calls finish.
func (s *Store) moveMessages(tx *bbolt.Tx, in Inbox, move *epochMove) error {
	records, chunks := mailbox(tx, in.ID)
	if records == nil {
		return nil
	}
	var stale []Message
	err := records.ForEach(func(id, record []byte) error {
		m, err := decodeMessage(id, record)
		if err == nil && m.Epoch != in.Epoch {
			stale = append(stale, m)
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, m := range stale {
		if err := s.moveMessage(records, chunks, in, m, move); err != nil {
			return fmt.Errorf("move message %x to epoch %d: %w", m.ID, in.Epoch, err)
		}
	}
	if len(move.newFiles) > 0 {
		return s.bodies.syncEntries(in.ID)
	}
	return nil
}

func (s *Store) moveMessage(records, chunks *bbolt.Bucket, in Inbox, stored Message, move *epochMove) error {
	oldKey, err := s.messageKey(in.ID, stored)
	if err != nil {
		return err
	}
	m, err := openRecordWith(oldKey, stored)
	if err != nil {
		return err
	}
	m.Epoch = in.Epoch
	newKey, err := s.messageKey(in.ID, m)
	if err != nil {
		return err
	}

	if m.BodyInFile {
		err = s.moveBodyFile(in.ID, stored, m.Epoch, oldKey, newKey, move)
	} else {
		err = moveInlineChunks(chunks, m.ID, oldKey, newKey)
	}
	if err != nil {
		return err
	}
	return records.Put(m.ID, encodeMessage(sealRecordWith(newKey, m)))
}

// moveInlineChunks collects the keys first, because putting under a bbolt
// cursor while it iterates is not safe.
func moveInlineChunks(chunks *bbolt.Bucket, messageID []byte, oldKey, newKey *seal.EpochMessageKey) error {
	var moved [][2][]byte
	for index := uint32(0); ; index++ {
		k := chunkKey(messageID, index)
		v := chunks.Get(k)
		if v == nil {
			break
		}
		plain, err := oldKey.AppendOpen(nil, seal.EpochPartChunk, index, v)
		if err != nil {
			return fmt.Errorf("open chunk %d: %w", index, err)
		}
		moved = append(moved, [2][]byte{k, newKey.AppendSeal(nil, seal.EpochPartChunk, index, plain)})
	}
	for _, kv := range moved {
		if err := chunks.Put(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// moveBodyFile writes the body under the new epoch to a new file and syncs
// it. The old file stays until the transaction commits.
func (s *Store) moveBodyFile(inboxID []byte, stored Message, epoch int64, oldKey, newKey *seal.EpochMessageKey, move *epochMove) (err error) {
	oldPath := s.bodies.filePath(inboxID, stored.ID, stored.Epoch)
	src, err := os.Open(oldPath)
	if err != nil {
		return fmt.Errorf("open body file: %w", err)
	}
	defer src.Close()
	dst, err := s.bodies.create(inboxID, stored.ID, epoch)
	if err != nil {
		return err
	}
	move.newFiles = append(move.newFiles, dst.Name())
	defer func() {
		if closeErr := dst.Close(); err == nil && closeErr != nil {
			err = fmt.Errorf("close body file: %w", closeErr)
		}
	}()

	r := &BodyReader{file: src, reader: bufio.NewReader(src), key: oldKey}
	if err := r.readVersion(); err != nil {
		return err
	}
	w := bufio.NewWriter(dst)
	var frame []byte
	for {
		index, chunk, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		frame = append(frame[:0], 0, 0, 0, 0)
		frame = newKey.AppendSeal(frame, seal.EpochPartChunk, index, chunk)
		putFrameLength(frame)
		if _, err := w.Write(frame); err != nil {
			return fmt.Errorf("write body file: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write body file: %w", err)
	}
	if err := dst.Sync(); err != nil {
		return fmt.Errorf("sync body file: %w", err)
	}
	move.oldFiles = append(move.oldFiles, oldPath)
	return nil
}

// finish removes the old files after a commit, or the new ones after a
// failure. A file left behind by a crash is removed by the next Open.
func (m *epochMove) finish(committed bool) error {
	remove := m.oldFiles
	if !committed {
		remove = m.newFiles
	}
	var errs []error
	for _, path := range remove {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove body file: %w", err))
		}
	}
	return errors.Join(errs...)
}
