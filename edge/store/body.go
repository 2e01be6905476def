package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// DefaultInlineMax is the sealed body size up to which a body stays in the
// database: about four chunks of 64 KiB. A larger body goes to a file, so
// that neither the writer's memory nor a bbolt transaction grows with it.
const DefaultInlineMax = 256 << 10

// errWriterClosed is returned by a BodyWriter used after AddMessages or
// Discard.
var errWriterClosed = errors.New("body writer used after commit or discard")

// BodyWriter receives the sealed chunks of one new message's body, in
// order. It keeps them in memory while they fit in its inline limit. From
// the first chunk that does not fit, it writes every chunk to the
// message's body file instead, so its memory stays below the limit plus
// one chunk. Nothing it writes is visible until AddMessages commits the
// message's record. It is not safe for concurrent use.
type BodyWriter struct {
	bodies    bodyDir
	pool      *sync.Pool
	inboxID   []byte
	messageID []byte
	epoch     int64
	key       *seal.EpochMessageKey
	inlineMax int

	// frames holds every chunk while the body is inline, each behind its
	// length, and once the body is in a file only the chunk being written.
	frames      *[]byte
	file        *os.File // open from the spill until finish
	inFile      bool
	chunks      uint32
	sealedBytes int64
	err         error
	closed      bool
}

// NewBodyWriter starts the body of message messageID for inbox inboxID,
// sealing each chunk again under the key of epoch, which is the epoch of
// the message record that AddMessages stores. A body whose sealed chunks
// add up to more than inlineMax bytes is stored in a file. The caller ends
// the writer with AddMessages or Discard. It returns an error wrapping
// seal.ErrEpochKeyNotFound when the epoch has no key.
func (s *Store) NewBodyWriter(inboxID, messageID []byte, epoch int64, inlineMax int) (*BodyWriter, error) {
	key, err := s.epochs.MessageKey(epoch, inboxID, messageID)
	if err != nil {
		return nil, fmt.Errorf("new body writer: %w", err)
	}
	return &BodyWriter{
		bodies:    s.bodies,
		pool:      &s.framePool,
		inboxID:   inboxID,
		messageID: messageID,
		epoch:     epoch,
		key:       key,
		inlineMax: inlineMax,
		frames:    s.framePool.Get().(*[]byte),
	}, nil
}

// WriteChunk seals the next chunk under the epoch layer and stores it. It
// does not keep sealed, so the caller may reuse it. After an error every
// call returns that error.
func (w *BodyWriter) WriteChunk(sealed []byte) error {
	size := len(sealed) + seal.EpochOverhead
	if err := w.check(size); err != nil {
		return err
	}
	if !w.inFile && w.sealedBytes+int64(size) > int64(w.inlineMax) {
		if err := w.spill(); err != nil {
			return w.fail(err)
		}
	}

	frames := binary.BigEndian.AppendUint32(*w.frames, uint32(size))
	*w.frames = w.key.AppendSeal(frames, seal.EpochPartChunk, w.chunks, sealed)
	w.chunks++
	w.sealedBytes += int64(size)
	if !w.inFile {
		return nil
	}
	if _, err := w.file.Write(*w.frames); err != nil {
		return w.fail(fmt.Errorf("write body file: %w", err))
	}
	*w.frames = (*w.frames)[:0]
	return nil
}

// Chunks returns the number of chunks written so far.
func (w *BodyWriter) Chunks() uint32 {
	return w.chunks
}

// InFile reports whether the body has moved to a file.
func (w *BodyWriter) InFile() bool {
	return w.inFile
}

// Discard drops the body and removes its file, if it has one. It is safe to
// call more than once, and after AddMessages, where it does nothing.
func (w *BodyWriter) Discard() {
	if w.closed {
		return
	}
	if w.file != nil {
		_ = w.file.Close()
		w.file = nil
	}
	if w.inFile {
		_ = w.bodies.removeFile(w.inboxID, w.messageID, w.epoch)
	}
	w.release()
}

func (w *BodyWriter) check(size int) error {
	switch {
	case w.closed:
		return errWriterClosed
	case w.err != nil:
		return w.err
	case size > maxFrameSize:
		return w.fail(fmt.Errorf("chunk of %d bytes is larger than %d", size, maxFrameSize))
	case w.chunks == math.MaxUint32:
		return w.fail(errors.New("too many chunks"))
	}
	return nil
}

func (w *BodyWriter) fail(err error) error {
	w.err = err
	return err
}

// spill creates the body file and writes the chunks held so far to it.
func (w *BodyWriter) spill() error {
	f, err := w.bodies.create(w.inboxID, w.messageID, w.epoch)
	if err != nil {
		return err
	}
	w.file, w.inFile = f, true
	if _, err := f.Write(*w.frames); err != nil {
		return fmt.Errorf("write body file: %w", err)
	}
	*w.frames = (*w.frames)[:0]
	return nil
}

// finish makes a body file and its directory entries durable. An inline
// body needs nothing, because it is committed with the record.
func (w *BodyWriter) finish() error {
	if err := w.check(0); err != nil {
		return err
	}
	if !w.inFile {
		return nil
	}
	if err := w.file.Sync(); err != nil {
		return w.fail(fmt.Errorf("sync body file: %w", err))
	}
	err := w.file.Close()
	w.file = nil
	if err != nil {
		return w.fail(fmt.Errorf("close body file: %w", err))
	}
	if err := w.bodies.syncEntries(w.inboxID); err != nil {
		return w.fail(err)
	}
	return nil
}

// inlineChunks calls fn for each chunk held in memory, in order, with its
// epoch layer.
func (w *BodyWriter) inlineChunks(fn func(index uint32, sealed []byte) error) error {
	frames := *w.frames
	for index := uint32(0); len(frames) > 0; index++ {
		n := int(binary.BigEndian.Uint32(frames))
		if err := fn(index, frames[frameHeaderSize:frameHeaderSize+n]); err != nil {
			return err
		}
		frames = frames[frameHeaderSize+n:]
	}
	return nil
}

// release returns the buffer to the pool. The buffer is reused only after
// the transaction that put its chunks has committed, because bbolt keeps
// references to the values it is given until then.
func (w *BodyWriter) release() {
	w.closed = true
	if w.frames == nil {
		return
	}
	// A buffer grown far beyond the inline limit by an unusual chunk is
	// dropped rather than kept in the pool.
	if cap(*w.frames) <= 2*DefaultInlineMax {
		*w.frames = (*w.frames)[:0]
		w.pool.Put(w.frames)
	}
	w.frames = nil
}
