package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"

	"go.etcd.io/bbolt"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// BodyReader returns the sealed chunks of one message in order. It holds no
// transaction between calls, so a slow reader does not keep bbolt from
// reusing pages, and it holds one chunk in memory at a time. It is not safe
// for concurrent use.
type BodyReader struct {
	store     *Store
	inboxID   []byte
	messageID []byte

	// next is the index of the next chunk to look for.
	next uint32
	done bool
	buf  []byte

	file   *os.File // nil for a body in the database
	reader *bufio.Reader

	key   *seal.EpochMessageKey
	plain []byte // the last chunk without its epoch layer
}

// OpenBody returns the message's record and a reader of its sealed chunks,
// or ErrMessageNotFound. The caller closes the reader.
func (s *Store) OpenBody(inboxID, messageID []byte) (Message, *BodyReader, error) {
	m, err := s.Message(inboxID, messageID)
	if err != nil {
		return Message{}, nil, err
	}
	key, err := s.messageKey(inboxID, m)
	if err != nil {
		return Message{}, nil, fmt.Errorf("open body: %w", err)
	}
	r := &BodyReader{store: s, inboxID: inboxID, messageID: messageID, key: key}
	if !m.BodyInFile {
		return m, r, nil
	}

	// A message deleted after the lookup above has lost its file too.
	f, err := os.Open(s.bodies.filePath(inboxID, messageID, m.Epoch))
	if errors.Is(err, fs.ErrNotExist) {
		return Message{}, nil, fmt.Errorf("open body: %w", ErrMessageNotFound)
	}
	if err != nil {
		return Message{}, nil, fmt.Errorf("open body: %w", err)
	}
	r.file, r.reader = f, bufio.NewReader(f)
	if err := r.readVersion(); err != nil {
		_ = f.Close()
		return Message{}, nil, fmt.Errorf("open body: %w", err)
	}
	return m, r, nil
}

// Next returns the next stored chunk, or io.EOF after the last one. The
// index is the one stored, which a damaged store may have changed, so the
// caller checks it against the order it expects. The sealed slice is
// valid until the next call.
func (r *BodyReader) Next() (index uint32, sealed []byte, err error) {
	if r.done {
		return 0, nil, io.EOF
	}
	if r.file != nil {
		index, sealed, err = r.nextFromFile()
	} else {
		index, sealed, err = r.nextFromDatabase()
	}
	if err != nil {
		r.done = true
		return 0, nil, err
	}
	r.plain, err = r.key.AppendOpen(r.plain[:0], seal.EpochPartChunk, index, sealed)
	if err != nil {
		r.done = true
		return 0, nil, fmt.Errorf("open epoch layer of chunk %d: %w", index, err)
	}
	if index == math.MaxUint32 {
		r.done = true
	}
	r.next = index + 1
	return index, r.plain, nil
}

// Close closes the body file, if any.
func (r *BodyReader) Close() error {
	r.done = true
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}

// nextFromDatabase looks up the first chunk key at or after the next index
// in a short read transaction.
func (r *BodyReader) nextFromDatabase() (uint32, []byte, error) {
	var index uint32
	found := false
	err := r.store.db.View(func(tx *bbolt.Tx) error {
		_, chunks := mailbox(tx, r.inboxID)
		if chunks == nil {
			return nil
		}
		k, v := chunks.Cursor().Seek(chunkKey(r.messageID, r.next))
		if k == nil || !bytes.HasPrefix(k, r.messageID) {
			return nil
		}
		if len(k) != len(r.messageID)+4 {
			return fmt.Errorf("%w: chunk key of %d bytes", ErrCorruptRecord, len(k))
		}
		index, found = binary.BigEndian.Uint32(k[len(r.messageID):]), true
		r.buf = append(r.buf[:0], v...)
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("read chunk: %w", err)
	}
	if !found {
		return 0, nil, io.EOF
	}
	return index, r.buf, nil
}

// nextFromFile reads the next frame: a 4-byte big-endian length and the
// sealed chunk.
func (r *BodyReader) nextFromFile() (uint32, []byte, error) {
	var header [frameHeaderSize]byte
	_, err := io.ReadFull(r.reader, header[:])
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read body file: %w: %w", ErrCorruptRecord, err)
	}
	n := binary.BigEndian.Uint32(header[:])
	if n > maxFrameSize {
		return 0, nil, fmt.Errorf("read body file: %w: chunk of %d bytes", ErrCorruptRecord, n)
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	r.buf = r.buf[:n]
	if _, err := io.ReadFull(r.reader, r.buf); err != nil {
		return 0, nil, fmt.Errorf("read body file: %w: %w", ErrCorruptRecord, err)
	}
	return r.next, r.buf, nil
}

func (r *BodyReader) readVersion() error {
	version, err := r.reader.ReadByte()
	if err != nil {
		return fmt.Errorf("read body file: %w: %w", ErrCorruptRecord, err)
	}
	if version != bodyFileVersion {
		return fmt.Errorf("read body file: %w: version %d", ErrCorruptRecord, version)
	}
	return nil
}

// ReadChunks calls fn for each stored chunk of the message in index order.
// The sealed slice is valid only until fn returns. It returns
// ErrMessageNotFound when the message does not exist.
func (s *Store) ReadChunks(inboxID, messageID []byte, fn func(index uint32, sealed []byte) error) error {
	_, r, err := s.OpenBody(inboxID, messageID)
	if err != nil {
		return fmt.Errorf("read chunks: %w", err)
	}
	defer r.Close()
	for {
		index, sealed, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read chunks: %w", err)
		}
		if err := fn(index, sealed); err != nil {
			return fmt.Errorf("read chunks: %w", err)
		}
	}
}
