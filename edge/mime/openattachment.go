package mime

import (
	"errors"
	"fmt"
	"io"
)

// readChunkBytes is how much OpenAttachment reads from its source at once.
const readChunkBytes = 32 << 10

// OpenAttachment streams one attachment out of a message being read from r.
// Index numbering is that of Parse, and the reader returns the same bytes
// as AttachmentContent. It reads r only as far as it needs: up to the start
// of the attachment before it returns, then up to its end while the content
// is read. Memory stays bounded whatever the size of the message.
//
// The Attachment has every field of Parse's except two that need the whole
// message: Size is -1 and Inline is false. It returns an error wrapping
// ErrAttachmentNotFound when there is no such attachment, ErrEmptyMessage
// for empty input, or the error of r. A read error of r after OpenAttachment
// returns comes out of the returned reader.
func OpenAttachment(r io.Reader, index int) (Attachment, io.Reader, error) {
	if index < 0 {
		return Attachment{}, nil, fmt.Errorf("open attachment %d: %w", index, ErrAttachmentNotFound)
	}
	ar := &attachmentReader{src: r, index: index, buf: make([]byte, readChunkBytes)}
	ar.scanner = newScanner(ar)

	for !ar.eof && (ar.stream == nil || !ar.stream.nameKnown()) {
		if err := ar.pump(); err != nil {
			return Attachment{}, nil, fmt.Errorf("open attachment %d: %w", index, err)
		}
	}
	switch {
	case ar.stream != nil:
		ar.stream.settleName()
		return ar.stream.Attachment, ar, nil
	case ar.scanner.empty:
		return Attachment{}, nil, fmt.Errorf("open attachment %d: %w", index, ErrEmptyMessage)
	default:
		return Attachment{}, nil, fmt.Errorf("open attachment %d of %d: %w", index, ar.count, ErrAttachmentNotFound)
	}
}

// attachmentReader feeds a scanner from its source and decodes the
// attachment at index out of what the scanner finds.
type attachmentReader struct {
	src     io.Reader
	scanner *scanner
	buf     []byte
	index   int
	count   int               // attachments seen
	stream  *attachmentStream // the attachment at index, once it started
	reading bool              // the scanner is inside that attachment
	done    bool              // that attachment has ended
	eof     bool              // the source has ended
	err     error             // the read error of the source
	out     []byte            // decoded content not yet returned
	outPos  int
}

func (r *attachmentReader) startContainer(*entityInfo) {}
func (r *attachmentReader) endContainer()              {}

func (r *attachmentReader) startLeaf(e *entityInfo) {
	kind, filename := classifyLeaf(e)
	if kind != attachmentLeaf {
		return
	}
	if r.count == r.index {
		r.stream = newAttachmentStream(e, filename, r.index)
		r.reading = true
	}
	r.count++
}

func (r *attachmentReader) leafData(p []byte) {
	if r.reading {
		r.out = r.stream.decode(r.out, p)
	}
}

func (r *attachmentReader) endLeaf() {
	if r.reading {
		r.out = r.stream.finish(r.out)
		r.reading = false
		r.done = true
	}
}

// Read returns decoded content of the attachment.
func (r *attachmentReader) Read(p []byte) (int, error) {
	for r.outPos == len(r.out) {
		switch {
		case r.done || r.eof:
			return 0, io.EOF
		case r.err != nil:
			return 0, r.err
		}
		r.out, r.outPos = r.out[:0], 0
		if err := r.pump(); err != nil {
			r.err = fmt.Errorf("read attachment %d: %w", r.index, err)
		}
	}
	n := copy(p, r.out[r.outPos:])
	r.outPos += n
	return n, nil
}

// pump reads the next chunk of the message into the scanner.
func (r *attachmentReader) pump() error {
	n, err := r.src.Read(r.buf)
	if n > 0 {
		r.scanner.write(r.buf[:n])
	}
	switch {
	case errors.Is(err, io.EOF):
		r.scanner.finish()
		r.eof = true
		return nil
	case err != nil:
		return fmt.Errorf("read message: %w", err)
	}
	return nil
}
