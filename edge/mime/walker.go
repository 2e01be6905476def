package mime

import (
	"crypto/sha256"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// maxHTMLScanBytes bounds how much of each HTML body, still in its
// transfer encoding, is searched for cid: references. An image that an HTML
// body references only past this point does not make its attachment inline.
const maxHTMLScanBytes = 2 << 20

// maxContentIDs bounds the cid: references recorded for a message and the
// Content-IDs of its attachments. References past it are ignored, and an
// attachment whose Content-ID comes past it is not inline.
const maxContentIDs = 10000

// contentKey identifies a Content-ID without regard to case. It is a hash,
// so that a key costs the same memory whatever the length of the ID.
type contentKey [16]byte

func keyOf(contentID string) contentKey {
	sum := sha256.Sum256([]byte(strings.ToLower(contentID)))
	return contentKey(sum[:16])
}

// bodySet collects the bodies of a subtree of the message and the
// Content-IDs its HTML references.
type bodySet struct {
	text, html []string // only when the walker keeps bodies
	hasText    bool
	hasHTML    bool
	refs       map[contentKey]struct{}
}

// merge appends the bodies of o to b.
func (b *bodySet) merge(o *bodySet) {
	b.text = append(b.text, o.text...)
	b.html = append(b.html, o.html...)
	b.hasText = b.hasText || o.hasText
	b.hasHTML = b.hasHTML || o.hasHTML
	for k := range o.refs {
		if b.refs == nil {
			b.refs = make(map[contentKey]struct{})
		}
		b.refs[k] = struct{}{}
	}
}

// replaceWith keeps, for text and for HTML separately, the bodies of o when
// it has any.
func (b *bodySet) replaceWith(o *bodySet) {
	if o.hasText {
		b.text, b.hasText = o.text, true
	}
	if o.hasHTML {
		b.html, b.refs, b.hasHTML = o.html, o.refs, true
	}
}

// selectFrame is an open multipart entity. The bodies of a mixed or related
// multipart go to target. A multipart/alternative keeps, for text and for
// HTML separately, the body of the last alternative that has one, because
// RFC 2046 §5.1.4 orders alternatives by increasing preference.
type selectFrame struct {
	alternative bool
	target      *bodySet
	chosen      bodySet  // alternative: the bodies kept so far
	child       *bodySet // alternative: the bodies of the alternative being read
}

// attachmentRecord is an attachment whose content the walker keeps.
type attachmentRecord struct {
	stream    *attachmentStream
	content   []byte
	key       contentKey
	candidate bool // it has a Content-ID that HTML may reference
}

// messageWalker receives the entities of a message from a scanner and
// sorts its leaves into bodies and attachments. Attachments are numbered
// in document order, those of every alternative included, so the images of
// a multipart/related alternative stay available.
//
// Without keepBodies and keepContent its memory is bounded: it keeps the
// message header, maxHTMLScanBytes of the HTML body being read, and at most
// maxContentIDs keys of Content-IDs.
type messageWalker struct {
	keepBodies  bool                 // collect text and sanitized HTML, as Parse shows them
	keepContent func(index int) bool // the attachments whose content to decode; nil for none
	sanitize    SanitizeOptions      // sanitizer options for HTML bodies

	header textproto.Header // of the message itself
	root   bodySet
	frames []*selectFrame
	refs   int // references recorded, up to maxContentIDs

	count       int                     // attachments so far
	plain       bool                    // an attachment that cannot be inline was seen
	candidates  map[contentKey]struct{} // Content-IDs of the other attachments
	attachments []*attachmentRecord     // the attachments whose content is kept

	// The leaf being read.
	leaf   *entityInfo
	kind   int
	raw    []byte // the body of a text or HTML leaf
	record *attachmentRecord
}

func (w *messageWalker) startContainer(e *entityInfo) {
	if e.depth == 0 {
		w.header = e.header
	}
	w.beginChild()
	w.frames = append(w.frames, &selectFrame{
		alternative: e.mediaType == "multipart/alternative",
		target:      w.target(),
	})
}

func (w *messageWalker) endContainer() {
	f := w.frames[len(w.frames)-1]
	w.frames = w.frames[:len(w.frames)-1]
	if f.alternative {
		w.target().merge(&f.chosen)
	}
	w.endChild()
}

func (w *messageWalker) startLeaf(e *entityInfo) {
	if e.depth == 0 {
		w.header = e.header
	}
	w.beginChild()
	var filename string
	w.leaf = e
	w.kind, filename = classifyLeaf(e)
	w.raw = nil
	if w.kind == attachmentLeaf {
		w.startAttachment(e, filename)
	}
}

func (w *messageWalker) leafData(p []byte) {
	switch {
	case w.kind == attachmentLeaf && w.record != nil:
		w.record.content = w.record.stream.decode(w.record.content, p)
	case w.kind == htmlLeaf && w.keepBodies:
		w.raw = append(w.raw, p...)
	case w.kind == htmlLeaf:
		w.raw = append(w.raw, p[:min(len(p), maxHTMLScanBytes-len(w.raw))]...)
	case w.kind == textLeaf && w.keepBodies:
		w.raw = append(w.raw, p...)
	}
}

func (w *messageWalker) endLeaf() {
	switch {
	case w.kind == attachmentLeaf && w.record != nil:
		w.record.content = w.record.stream.finish(w.record.content)
	case w.kind == htmlLeaf:
		w.addHTML(w.target())
	case w.kind == textLeaf:
		set := w.target()
		if w.keepBodies {
			set.text = append(set.text, decodeTextBody(w.leaf, w.raw))
		}
		set.hasText = true
	}
	w.leaf, w.raw, w.record = nil, nil, nil
	w.endChild()
}

// target returns the bodySet that the entity being read belongs to.
func (w *messageWalker) target() *bodySet {
	if len(w.frames) == 0 {
		return &w.root
	}
	f := w.frames[len(w.frames)-1]
	if f.alternative {
		return f.child
	}
	return f.target
}

// beginChild starts a fresh bodySet for a part of a multipart/alternative.
func (w *messageWalker) beginChild() {
	if n := len(w.frames); n > 0 && w.frames[n-1].alternative {
		w.frames[n-1].child = &bodySet{}
	}
}

// endChild keeps the bodies of a finished alternative where it has any.
func (w *messageWalker) endChild() {
	if n := len(w.frames); n > 0 && w.frames[n-1].alternative {
		f := w.frames[n-1]
		f.chosen.replaceWith(f.child)
		f.child = nil
	}
}

// addHTML sanitizes an HTML body and records the Content-IDs it
// references. The references come from the first maxHTMLScanBytes of the
// body in every mode, so Parse and SummaryWriter agree.
func (w *messageWalker) addHTML(set *bodySet) {
	var sanitized string
	if w.keepBodies {
		sanitized = SanitizeHTMLWith(decodeHTMLBody(w.leaf, w.raw), w.sanitize)
		set.html = append(set.html, sanitized)
	}
	if !w.keepBodies || len(w.raw) > maxHTMLScanBytes {
		sanitized = SanitizeHTMLWith(decodeHTMLBody(w.leaf, w.raw[:min(len(w.raw), maxHTMLScanBytes)]), w.sanitize)
	}
	set.hasHTML = true

	for _, id := range referencedContentIDs(sanitized) {
		key := keyOf(id)
		if _, ok := set.refs[key]; ok || w.refs >= maxContentIDs {
			continue
		}
		if set.refs == nil {
			set.refs = make(map[contentKey]struct{})
		}
		set.refs[key] = struct{}{}
		w.refs++
	}
}

// startAttachment numbers an attachment, notes whether it may be inline and
// starts decoding it when its content is kept.
func (w *messageWalker) startAttachment(e *entityInfo, filename string) {
	index := w.count
	w.count++
	key, candidate := w.inlineCandidate(e)
	if w.keepContent == nil || !w.keepContent(index) {
		return
	}
	w.record = &attachmentRecord{
		stream:    newAttachmentStream(e, filename, index),
		key:       key,
		candidate: candidate,
	}
	w.attachments = append(w.attachments, w.record)
}

// inlineCandidate returns the key of an attachment's Content-ID, and false
// when it has none or comes past maxContentIDs.
func (w *messageWalker) inlineCandidate(e *entityInfo) (contentKey, bool) {
	contentID := cleanContentID(e.header.Get("Content-Id"))
	if contentID == "" {
		w.plain = true
		return contentKey{}, false
	}
	key := keyOf(contentID)
	if _, ok := w.candidates[key]; !ok && len(w.candidates) >= maxContentIDs {
		w.plain = true
		return contentKey{}, false
	}
	if w.candidates == nil {
		w.candidates = make(map[contentKey]struct{})
	}
	w.candidates[key] = struct{}{}
	return key, true
}

// referenced reports whether the chosen HTML references key. It is valid
// once the scanner has finished.
func (w *messageWalker) referenced(key contentKey) bool {
	_, ok := w.root.refs[key]
	return ok
}

// hasAttachments reports whether an attachment is not inline. It is valid
// once the scanner has finished.
func (w *messageWalker) hasAttachments() bool {
	if w.plain {
		return true
	}
	for key := range w.candidates {
		if !w.referenced(key) {
			return true
		}
	}
	return false
}

// attachment returns the description of a kept attachment.
func (w *messageWalker) attachment(r *attachmentRecord) Attachment {
	a := r.stream.Attachment
	a.Size = int64(len(r.content))
	a.Inline = r.candidate && w.referenced(r.key)
	return a
}
