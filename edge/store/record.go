package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Record versions, the first byte of every record. An inbox record is at
// version 1. A message record is written at version 4, which adds the
// commit sequence to version 3's epoch of its epoch layer. It is read at
// versions 1 to 3 as well: their sequence is 0, and versions 1 and 2 have
// no epoch layer that the store can open.
const (
	recordVersion        = 1
	messageRecordVersion = 4
)

// ErrCorruptRecord is returned for a stored record that does not decode.
var ErrCorruptRecord = errors.New("corrupt record")

type encoder struct {
	buf []byte
}

func newEncoder(version byte) *encoder {
	return &encoder{buf: []byte{version}}
}

func (e *encoder) bytes(b []byte) {
	e.buf = binary.AppendUvarint(e.buf, uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) int64(v int64) {
	e.buf = binary.BigEndian.AppendUint64(e.buf, uint64(v))
}

func (e *encoder) time(t time.Time) {
	e.int64(t.UnixNano())
}

func (e *encoder) uvarint(v uint64) {
	e.buf = binary.AppendUvarint(e.buf, v)
}

func (e *encoder) bool(v bool) {
	b := byte(0)
	if v {
		b = 1
	}
	e.buf = append(e.buf, b)
}

// decoder reads what encoder wrote. After the first error every read
// returns a zero value, and finish reports that error.
type decoder struct {
	buf     []byte
	err     error
	version byte
}

// newDecoder accepts versions from 1 to maxVersion.
func newDecoder(record []byte, maxVersion byte) *decoder {
	d := &decoder{buf: record}
	if len(record) == 0 || record[0] < 1 || record[0] > maxVersion {
		d.err = fmt.Errorf("%w: unknown version", ErrCorruptRecord)
		return d
	}
	d.version = record[0]
	d.buf = record[1:]
	return d
}

// bytes returns a copy, because bbolt's values are valid only inside their
// transaction.
func (d *decoder) bytes() []byte {
	return append([]byte(nil), d.view()...)
}

// view returns a byte string without copying it, for use inside the
// transaction that read the record.
func (d *decoder) view() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.fail("byte string longer than the record")
		return nil
	}
	out := d.buf[:n:n]
	d.buf = d.buf[n:]
	return out
}

func (d *decoder) int64() int64 {
	if d.err != nil {
		return 0
	}
	if len(d.buf) < 8 {
		d.fail("truncated integer")
		return 0
	}
	v := binary.BigEndian.Uint64(d.buf)
	d.buf = d.buf[8:]
	return int64(v)
}

func (d *decoder) time() time.Time {
	return time.Unix(0, d.int64()).UTC()
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("invalid uvarint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.buf) < 1 || d.buf[0] > 1 {
		d.fail("invalid flag")
		return false
	}
	v := d.buf[0] == 1
	d.buf = d.buf[1:]
	return v
}

func (d *decoder) fail(reason string) {
	d.err = fmt.Errorf("%w: %s", ErrCorruptRecord, reason)
}

// finish returns the first error, or an error if bytes are left over.
func (d *decoder) finish() error {
	if d.err == nil && len(d.buf) > 0 {
		d.fail(fmt.Sprintf("%d bytes after the last field", len(d.buf)))
	}
	return d.err
}
