package smtpd

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// dotReader reads the content of a DATA command from the connection. It
// removes the dot-stuffing of RFC 5321 §4.5.2 and ends at the first
// CRLF "." CRLF. Only a CR LF pair starts a line (RFC 5321 §2.3.8). So a
// dot after a bare LF or a bare CR neither ends the content nor is
// unstuffed, while a line that ends in CR CR LF is followed by a new line.
// All other bytes pass unchanged, bare CR and LF included, which
// contentChecker rejects.
//
// A read error other than the end marker is kept and returned again; the
// end of the connection before the marker is io.ErrUnexpectedEOF.
type dotReader struct {
	r *bufio.Reader
	// beforeRead runs before each Read, to move the read deadline.
	beforeRead func()

	lineStart bool // the next byte starts a line
	lastCR    bool // the last byte returned was CR
	done      bool
	err       error
}

func newDotReader(r *bufio.Reader, beforeRead func()) *dotReader {
	return &dotReader{r: r, beforeRead: beforeRead, lineStart: true}
}

// Read returns content up to the end marker, then io.EOF. It returns
// what the connection's buffer holds rather than waiting to fill p.
func (d *dotReader) Read(p []byte) (int, error) {
	if d.done {
		return 0, io.EOF
	}
	if d.err != nil {
		return 0, d.err
	}
	d.beforeRead()

	n := 0
	for n < len(p) {
		if n > 0 && d.r.Buffered() < 3 {
			break // more would mean waiting for the client
		}
		if d.lineStart {
			end, err := d.startLine()
			if err != nil {
				return n, d.fail(err)
			}
			if end {
				d.done = true
				return n, io.EOF
			}
		}
		m, err := d.copyLine(p[n:])
		n += m
		if err != nil {
			return n, d.fail(err)
		}
	}
	return n, nil
}

// startLine reads the dot at the start of a line, if there is one: it is
// either the end marker or a stuffed dot to drop.
func (d *dotReader) startLine() (end bool, err error) {
	head, err := d.r.Peek(1)
	if err != nil {
		return false, err
	}
	d.lineStart = false
	if head[0] != '.' {
		return false, nil
	}
	head, err = d.r.Peek(3)
	if len(head) == 3 && head[1] == '\r' && head[2] == '\n' {
		_, _ = d.r.Discard(3)
		return true, nil
	}
	if err != nil {
		return false, err
	}
	_, _ = d.r.Discard(1)
	return false, nil
}

// copyLine copies buffered bytes into p up to the end of the current line.
func (d *dotReader) copyLine(p []byte) (int, error) {
	buf, err := d.r.Peek(max(1, d.r.Buffered()))
	if err != nil {
		return 0, err
	}
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		buf = buf[:i+1]
	}
	n := copy(p, buf)
	chunk := p[:n]
	if chunk[n-1] == '\n' {
		crBefore := d.lastCR
		if n > 1 {
			crBefore = chunk[n-2] == '\r'
		}
		d.lineStart = crBefore
	}
	d.lastCR = chunk[n-1] == '\r'
	_, _ = d.r.Discard(n)
	return n, nil
}

func (d *dotReader) fail(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	d.err = err
	return err
}

// Drain reads and discards the rest of the content up to the end marker.
func (d *dotReader) Drain() error {
	_, err := io.Copy(io.Discard, d)
	return err
}
