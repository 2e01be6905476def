package mime

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrEmptyMessage is returned by Parse and AttachmentContent when the input
// contains nothing but white space, the only input that is not treated as mail.
var ErrEmptyMessage = errors.New("empty message")

// ErrAttachmentNotFound is returned by AttachmentContent when the message
// has no attachment at the requested index.
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
	Index       int    // position in document order from 0, the same for Parse and AttachmentContent
	Filename    string // decoded, without path components or control characters; generated when the part names none
	ContentType string // media type only, lower case, e.g. "application/pdf"
	Size        int64  // decoded bytes
	ContentID   string // without angle brackets, "" if none
	Inline      bool   // the HTML body shows it through a cid: reference
}

// Message is a parsed message, ready for display.
type Message struct {
	Headers Headers
	// Text is the text/plain body in UTF-8 with "\n" line endings. When the
	// message has only HTML, it is a plain-text rendering of the HTML.
	Text string
	// HTML is the text/html body passed through SanitizeHTML, "" if none.
	// Inline images keep their cid: sources, which ResolveContentIDs rewrites.
	HTML        string
	Attachments []Attachment
}

// Parse parses a raw message. It returns an error wrapping ErrEmptyMessage
// for empty input and never fails otherwise: malformed mail is parsed as
// well as it can be (see the package documentation).
func Parse(raw []byte) (*Message, error) {
	p, err := parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse message: %w", err)
	}
	msg := &Message{
		Headers:     p.headers,
		Text:        p.text,
		HTML:        p.html,
		Attachments: make([]Attachment, len(p.attachments)),
	}
	for i, a := range p.attachments {
		msg.Attachments[i] = a.Attachment
	}
	return msg, nil
}

// Summarize returns the listing fields of a raw message. Empty input gives
// the zero Summary.
func Summarize(raw []byte) Summary {
	p, err := parse(raw)
	if err != nil {
		return Summary{}
	}
	s := Summary{From: p.headers.From, Subject: p.headers.Subject, Date: p.headers.Date}
	for _, a := range p.attachments {
		if !a.Inline {
			s.HasAttachments = true
		}
	}
	return s
}

// AttachmentContent returns the attachment at index, as listed by Parse,
// and its decoded content. It returns an error wrapping
// ErrAttachmentNotFound when there is no such attachment, or ErrEmptyMessage
// for empty input.
func AttachmentContent(raw []byte, index int) (Attachment, []byte, error) {
	p, err := parse(raw)
	if err != nil {
		return Attachment{}, nil, fmt.Errorf("get attachment %d: %w", index, err)
	}
	if index < 0 || index >= len(p.attachments) {
		return Attachment{}, nil, fmt.Errorf("get attachment %d of %d: %w", index, len(p.attachments), ErrAttachmentNotFound)
	}
	a := p.attachments[index]
	return a.Attachment, a.content, nil
}

// parsedMessage is the result of one parse, shared by the exported functions.
type parsedMessage struct {
	headers     Headers
	text        string
	html        string
	attachments []decodedAttachment
}

type decodedAttachment struct {
	Attachment
	content []byte
}

func parse(raw []byte) (*parsedMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrEmptyMessage
	}
	root := parseEntity(normalizeLineEndings(raw), "text/plain", 0)

	var parts bodyParts
	parts.walk(root, false)

	p := &parsedMessage{
		headers: decodeHeaders(root),
		text:    joinBodies(parts.text),
	}
	if len(parts.html) > 0 {
		p.html = SanitizeHTML(joinBodies(parts.html))
	}
	if p.text == "" && p.html != "" {
		p.text = htmlToText(p.html)
	}
	p.attachments = decodeAttachments(parts.attachments, referencedContentIDs(p.html))
	return p, nil
}

// decodeHeaders decodes the header fields of the top-level entity.
func decodeHeaders(root *entity) Headers {
	h := root.header
	from := firstAddress(h.Get("From"))
	return Headers{
		From:        formatAddressList(h.Get("From")),
		To:          formatAddressList(h.Get("To")),
		Cc:          formatAddressList(h.Get("Cc")),
		ReplyTo:     formatAddressList(h.Get("Reply-To")),
		Subject:     cleanHeaderText(decodeHeaderText(h.Get("Subject"))),
		MessageID:   cleanContentID(h.Get("Message-Id")),
		FromName:    from.name,
		FromAddress: from.addr,
		Date:        parseDate(h.Get("Date")),
	}
}

// decodeAttachments numbers the attachment leaves in document order and
// decodes their content. referenced holds the lower-case Content-IDs that
// the sanitized HTML shows.
func decodeAttachments(leaves []attachmentLeaf, referenced map[string]bool) []decodedAttachment {
	out := make([]decodedAttachment, len(leaves))
	for i, leaf := range leaves {
		e := leaf.entity
		content := decodeTransfer(e.header.Get("Content-Transfer-Encoding"), e.body)
		contentID := cleanContentID(e.header.Get("Content-Id"))
		filename := leaf.filename
		if filename == "" {
			filename = generatedFilename(i, e.mediaType)
		}
		out[i] = decodedAttachment{
			Attachment: Attachment{
				Index:       i,
				Filename:    filename,
				ContentType: e.mediaType,
				Size:        int64(len(content)),
				ContentID:   contentID,
				Inline:      contentID != "" && referenced[strings.ToLower(contentID)],
			},
			content: content,
		}
	}
	return out
}

// cleanContentID strips the angle brackets of a Content-ID or Message-ID
// (RFC 2045 §7) and anything that is not printable.
func cleanContentID(value string) string {
	value = cleanHeaderText(decodeUndeclared([]byte(value)))
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(value, "<"), ">"))
}
