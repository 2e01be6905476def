package mime

import "strings"

// attachmentStream decodes the content of one attachment as it arrives and
// names it. An attached message (message/rfc822) that declares no file name
// is named after its subject, which needs the start of its content.
type attachmentStream struct {
	Attachment
	decoder transferDecoder
	unnamed bool   // the file name waits for the header of the attached message
	prefix  []byte // unnamed: the first decoded bytes, up to maxHeaderBytes
	ended   bool
}

// newAttachmentStream starts the attachment at index of a message. Its Size
// stays -1 and Inline false: both need more than the attachment itself.
func newAttachmentStream(e *entityInfo, filename string, index int) *attachmentStream {
	a := &attachmentStream{
		Attachment: Attachment{
			Index:       index,
			Filename:    filename,
			ContentType: e.mediaType,
			Size:        -1,
			ContentID:   cleanContentID(e.header.Get("Content-Id")),
		},
		decoder: newTransferDecoder(e.header.Get("Content-Transfer-Encoding")),
	}
	switch {
	case filename != "":
	case e.mediaType == "message/rfc822":
		a.unnamed = true
	default:
		a.Filename = generatedFilename(index, e.mediaType)
	}
	return a
}

// decode appends the decoded form of p to dst.
func (a *attachmentStream) decode(dst, p []byte) []byte {
	n := len(dst)
	dst = a.decoder.decode(dst, p)
	a.keepPrefix(dst[n:])
	return dst
}

// finish appends the rest of the content to dst, at the end of the
// attachment, and settles its file name.
func (a *attachmentStream) finish(dst []byte) []byte {
	n := len(dst)
	dst = a.decoder.finish(dst)
	a.keepPrefix(dst[n:])
	a.ended = true
	a.settleName()
	return dst
}

func (a *attachmentStream) keepPrefix(b []byte) {
	if a.unnamed && len(a.prefix) < maxHeaderBytes {
		a.prefix = append(a.prefix, b[:min(len(b), maxHeaderBytes-len(a.prefix))]...)
	}
}

// nameKnown reports whether settleName can name the attachment now.
func (a *attachmentStream) nameKnown() bool {
	return !a.unnamed || a.ended || len(a.prefix) >= maxHeaderBytes
}

// settleName names an unnamed attached message once nameKnown.
func (a *attachmentStream) settleName() {
	if !a.unnamed || !a.nameKnown() {
		return
	}
	a.Filename = embeddedMessageFilename(a.prefix)
	if a.Filename == "" {
		a.Filename = generatedFilename(a.Index, a.ContentType)
	}
	a.unnamed, a.prefix = false, nil
}

// embeddedMessageFilename returns a file name for an attached message made
// from the Subject in its header, which starts content, such as
// "Quarterly report.eml". It returns "" when the message has no subject.
func embeddedMessageFilename(content []byte) string {
	header := readHeader(content)
	subject := decodeSubject(header)
	// A subject is no path: "Report 3/2025" keeps both of its parts.
	subject = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, subject)
	name := sanitizeFilename(subject)
	if name == "" {
		return ""
	}
	return truncateFilename(name+".eml", maxFilenameBytes)
}
