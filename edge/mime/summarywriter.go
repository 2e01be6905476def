package mime

import "errors"

// errWriteAfterSummary is returned by SummaryWriter.Write after Summary.
var errWriteAfterSummary = errors.New("write message after its summary")

// SummaryWriter computes the listing Summary of a message as it streams
// through it, so a message can be summarized while it is being stored. It
// keeps only bounded state: the message header and the header of the part
// being read (128 KiB each at most), the boundaries of open multiparts, the
// first 2 MiB of the HTML body being read and up to 10000 Content-ID keys
// of 16 bytes. It never keeps an attachment.
//
// Its Summary equals Summarize of the same bytes, however they are split
// into writes. A SummaryWriter is not safe for concurrent use.
type SummaryWriter struct {
	walker  messageWalker
	scanner *scanner
	done    bool
	summary Summary
}

// NewSummaryWriter returns a SummaryWriter for one message.
func NewSummaryWriter() *SummaryWriter {
	w := &SummaryWriter{}
	w.scanner = newScanner(&w.walker)
	return w
}

// Write adds p to the message. It does not keep p, and it fails only when
// called after Summary.
func (w *SummaryWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errWriteAfterSummary
	}
	w.scanner.write(p)
	return len(p), nil
}

// Summary ends the message and returns its listing fields. Later calls
// return the same Summary. Empty input gives the zero Summary.
func (w *SummaryWriter) Summary() Summary {
	if w.done {
		return w.summary
	}
	w.done = true
	w.scanner.finish()
	if w.scanner.empty {
		return w.summary
	}

	h := w.walker.header
	w.summary = Summary{
		From:           formatAddressList(h.Get("From")),
		Subject:        decodeSubject(h),
		Date:           parseDate(h.Get("Date")),
		HasAttachments: w.walker.hasAttachments(),
	}
	return w.summary
}
