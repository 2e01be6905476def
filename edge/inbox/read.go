package inbox

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

// OpenMessage returns the summary of one message and a reader of its raw
// bytes, which opens one chunk at a time, so memory does not grow with the
// message size. The caller closes the reader. An id that is malformed or
// not in this inbox is ErrMessageNotFound.
//
// Each chunk is authenticated before any of its bytes are returned, but a
// damage found in a later chunk (a changed, missing, reordered or extra
// chunk) surfaces as an error from Read, after the earlier chunks were
// returned. Such an error wraps seal.ErrDecrypt when a chunk fails to open.
// The reader ends with io.EOF only when the whole body is intact.
func (a *Access) OpenMessage(ctx context.Context, id string) (MessageSummary, io.ReadCloser, error) {
	if _, err := a.liveInbox(ctx); err != nil {
		return MessageSummary{}, nil, err
	}
	messageID, ok := parseID(id)
	if !ok {
		return MessageSummary{}, nil, ErrMessageNotFound
	}
	m, body, err := a.s.store.OpenBody(a.id, messageID)
	if errors.Is(err, store.ErrMessageNotFound) {
		return MessageSummary{}, nil, ErrMessageNotFound
	}
	if err != nil {
		return MessageSummary{}, nil, fmt.Errorf("read message %s: %w", id, err)
	}

	summary, opener, err := a.openMeta(m)
	if err == nil && m.Chunks == 0 {
		err = errors.New("message has no chunks")
	}
	if err != nil {
		_ = body.Close()
		return MessageSummary{}, nil, fmt.Errorf("read message %s: %w", id, err)
	}
	r := &messageReader{id: id, body: body, opener: opener, chunks: m.Chunks, size: summary.Size}
	return summary, r, nil
}

// messageReader decrypts a message's chunks as they are read. Opening the
// last chunk as the last detects truncation, the index checks detect gaps
// and reordering, and a look past the last chunk detects extra ones.
type messageReader struct {
	id     string
	body   *store.BodyReader
	opener *seal.MessageOpener
	chunks uint32 // from the record
	size   int64  // from the sealed metadata

	next    uint32 // index of the next chunk to open
	read    int64  // plaintext bytes opened so far
	plain   []byte // buffer of the last chunk opened
	pending []byte // the part of plain not yet returned
	err     error
}

func (r *messageReader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.pending, r.err = r.openNext()
		if r.err != nil && r.err != io.EOF {
			r.err = fmt.Errorf("read message %s: %w", r.id, r.err)
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

func (r *messageReader) Close() error {
	return r.body.Close()
}

// openNext returns the plaintext of the next chunk, or io.EOF once the
// body is complete and checked.
func (r *messageReader) openNext() ([]byte, error) {
	if r.next == r.chunks {
		return nil, r.checkEnd()
	}
	index, sealed, err := r.body.Next()
	if err == io.EOF {
		return nil, fmt.Errorf("found %d chunks, want %d", r.next, r.chunks)
	}
	if err != nil {
		return nil, err
	}
	if index != r.next {
		return nil, fmt.Errorf("chunk %d found, want chunk %d of %d", index, r.next, r.chunks)
	}

	open := r.opener.AppendOpenChunk
	if index == r.chunks-1 {
		open = r.opener.AppendOpenLastChunk
	}
	// The plaintext of the previous chunk has been returned in full, so its
	// buffer is free.
	data, err := open(r.plain[:0], index, sealed)
	if err != nil {
		return nil, fmt.Errorf("open chunk %d: %w", index, err)
	}
	r.plain = data
	r.next++
	r.read += int64(len(data))
	return data, nil
}

// checkEnd returns io.EOF when no chunk follows the last and the body has
// the size the metadata states.
func (r *messageReader) checkEnd() error {
	index, _, err := r.body.Next()
	if err == nil {
		return fmt.Errorf("chunk %d found after the last chunk %d", index, r.chunks-1)
	}
	if err != io.EOF {
		return err
	}
	if r.read != r.size {
		return fmt.Errorf("body has %d bytes, want %d from the metadata", r.read, r.size)
	}
	return io.EOF
}
