package mime

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"
)

// ErrEmptyMessage is returned by Parse, AttachmentContent and OpenAttachment
// when the input contains nothing but ASCII white space, the only input that
// is not treated as mail.
var ErrEmptyMessage = errors.New("empty message")

// ErrAttachmentNotFound is returned by AttachmentContent and OpenAttachment
// when the message has no attachment at the requested index.
var ErrAttachmentNotFound = errors.New("attachment not found")

// Summary contains the fields of the inbox listing, computed once at receipt.
type Summary struct {
	From           string    // decoded display form, e.g. "Alice <alice@example.test>"
	Subject        string    // RFC 2047 decoded, UTF-8, control characters removed
	Date           time.Time // zero if missing or unparseable
	HasAttachments bool      // an attachment other than an image the HTML shows
}

// Headers are the decoded header fields a message view shows. Address
// fields hold the display form of the whole list, such as
// "Alice <alice@example.test>, bob@example.test".
type Headers struct {
	From, To, Cc, ReplyTo, Subject, MessageID string

	// FromName and FromAddress split the first From mailbox. FromName is
	// empty when the sender gives no display name.
	FromName, FromAddress string

	Date time.Time // zero if missing or unparseable
}

// Attachment describes one attachment of a message.
type Attachment struct {
	// Index is the position in document order from 0, the same for Parse,
	// AttachmentContent and OpenAttachment.
	Index int
	// Filename is decoded, without path components or control characters.
	// An attached message without a name is named after its subject
	// ("Subject.eml"); any other part without a name gets a generated one
	// ("attachment-2.pdf").
	Filename    string
	ContentType string // media type only, lower case, e.g. "application/pdf"
	Size        int64  // decoded bytes; -1 from OpenAttachment, before the content is read
	ContentID   string // without angle brackets, "" if none
	Inline      bool   // the HTML body shows it through a cid: reference; always false from OpenAttachment
}

// Message is a parsed message, ready for display.
type Message struct {
	Headers Headers
	// Text is the text/plain body in UTF-8 with "\n" line endings. When the
	// message has only HTML, it is a plain-text rendering of the HTML.
	Text string
	// HTML is the text/html body passed through SanitizeHTML, "" if none.
	// Several HTML bodies are sanitized one by one and joined.
	// Inline images keep their cid: sources, which ResolveContentIDs rewrites.
	HTML        string
	Attachments []Attachment
}

// ParseOptions change what ParseWith keeps of a message.
type ParseOptions struct {
	// HTML holds the sanitizer options for the HTML body.
	HTML SanitizeOptions
}

// Parse parses a raw message. It returns an error wrapping ErrEmptyMessage
// for empty input and never fails otherwise: malformed mail is parsed as
// well as it can be (see the package documentation).
func Parse(raw []byte) (*Message, error) {
	return ParseWith(raw, ParseOptions{})
}

// ParseWith is Parse with options. The zero ParseOptions give the result of
// Parse.
func ParseWith(raw []byte, opts ParseOptions) (*Message, error) {
	w := &messageWalker{keepBodies: true, keepContent: func(int) bool { return true }, sanitize: opts.HTML}
	if err := walk(raw, w); err != nil {
		return nil, fmt.Errorf("parse message: %w", err)
	}

	msg := &Message{
		Headers:     decodeHeaders(w.header),
		Text:        joinBodies(w.root.text),
		HTML:        joinBodies(w.root.html),
		Attachments: make([]Attachment, len(w.attachments)),
	}
	if msg.Text == "" && msg.HTML != "" {
		msg.Text = htmlToText(msg.HTML)
	}
	for i, r := range w.attachments {
		msg.Attachments[i] = w.attachment(r)
	}
	return msg, nil
}

// Summarize returns the listing fields of a raw message, as a
// SummaryWriter does. Empty input gives the zero Summary.
func Summarize(raw []byte) Summary {
	w := NewSummaryWriter()
	_, _ = w.Write(raw) // never fails before Summary
	return w.Summary()
}

// AttachmentContent returns the attachment at index, as listed by Parse,
// and its decoded content. It returns an error wrapping
// ErrAttachmentNotFound when there is no such attachment, or ErrEmptyMessage
// for empty input.
func AttachmentContent(raw []byte, index int) (Attachment, []byte, error) {
	w := &messageWalker{keepContent: func(i int) bool { return i == index }}
	if err := walk(raw, w); err != nil {
		return Attachment{}, nil, fmt.Errorf("get attachment %d: %w", index, err)
	}
	if len(w.attachments) == 0 {
		return Attachment{}, nil, fmt.Errorf("get attachment %d of %d: %w", index, w.count, ErrAttachmentNotFound)
	}
	r := w.attachments[0]
	return w.attachment(r), r.content, nil
}

// walk reads a whole message into w.
func walk(raw []byte, w *messageWalker) error {
	s := newScanner(w)
	s.write(raw)
	s.finish()
	if s.empty {
		return ErrEmptyMessage
	}
	return nil
}

// decodeHeaders decodes the header fields of the message itself.
func decodeHeaders(h textproto.Header) Headers {
	from := firstAddress(h.Get("From"))
	return Headers{
		From:        formatAddressList(h.Get("From")),
		To:          formatAddressList(h.Get("To")),
		Cc:          formatAddressList(h.Get("Cc")),
		ReplyTo:     formatAddressList(h.Get("Reply-To")),
		Subject:     decodeSubject(h),
		MessageID:   cleanContentID(h.Get("Message-Id")),
		FromName:    from.name,
		FromAddress: from.addr,
		Date:        parseDate(h.Get("Date")),
	}
}

func decodeSubject(h textproto.Header) string {
	return cleanHeaderText(decodeHeaderText(h.Get("Subject")))
}

// cleanContentID strips the angle brackets of a Content-ID or Message-ID
// (RFC 2045 §7) and anything that is not printable.
func cleanContentID(value string) string {
	value = cleanHeaderText(decodeUndeclared([]byte(value)))
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(value, "<"), ">"))
}
