package api

import (
	"errors"
	"fmt"
	"io"
	stdmime "mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/extract"
	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/mime"
)

// listMessages lists the messages that pass the query's filters, newest
// first. With wait, it holds the request until one arrives or the wait
// ends, and then replies with an empty list.
func (a *API) listMessages(w http.ResponseWriter, r *http.Request) {
	q, err := parseMessageQuery(r.URL.Query())
	if err != nil {
		writeQueryError(w, err)
		return
	}
	msgs, err := waitForMessages(r.Context(), a.cfg.Stop, accessFrom(r), q)
	if r.Context().Err() != nil {
		a.cfg.Logger.Debug("list messages ended early: the client went away")
		return
	}
	if err != nil {
		a.accessError(w, "list messages", err)
		return
	}
	out := make([]apitypes.MessageSummary, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, summaryJSON(m))
	}
	writeJSON(w, http.StatusOK, apitypes.Messages{Messages: out})
}

// summaryJSON returns the listing entry of a message.
func summaryJSON(m inbox.MessageSummary) apitypes.MessageSummary {
	return apitypes.MessageSummary{
		ID:             m.ID,
		From:           m.From,
		Subject:        m.Subject,
		ReceivedAt:     m.ReceivedAt,
		Size:           m.Size,
		HasAttachments: m.HasAttachments,
		Seen:           m.Seen,
	}
}

// getMessage returns the parsed message. With remote_content=allow its
// HTML keeps https images, for a reader who asked to load them.
func (a *API) getMessage(w http.ResponseWriter, r *http.Request) {
	opts, err := parseRemoteContent(r.URL.Query())
	if err != nil {
		writeQueryError(w, err)
		return
	}
	access := accessFrom(r)
	id := chi.URLParam(r, "id")
	summary, raw, err := access.Message(r.Context(), id)
	if err != nil {
		a.accessError(w, "read message", err)
		return
	}
	parsed, err := mime.ParseWith(raw, opts)
	if err != nil {
		a.internalError(w, "parse message", err)
		return
	}
	if err := access.MarkSeen(r.Context(), id); err != nil {
		a.accessError(w, "mark message seen", err)
		return
	}
	writeJSON(w, http.StatusOK, newMessageDetail(summary, parsed))
}

// parseRemoteContent reads the remote_content query parameter, whose only
// value is allow.
func parseRemoteContent(values url.Values) (mime.ParseOptions, error) {
	switch v := values.Get("remote_content"); v {
	case "":
		return mime.ParseOptions{}, nil
	case "allow":
		return mime.ParseOptions{HTML: mime.SanitizeOptions{RemoteContent: true}}, nil
	default:
		return mime.ParseOptions{}, fmt.Errorf("invalid remote_content %q: want allow, or leave it out", v)
	}
}

// attachmentPath returns the API path of a message's attachments, which
// replaces the cid: sources of inline images: the image comes from the
// message itself, never from the network. The path needs the bearer
// token like any inbox route, so a client fetches it with the token.
func attachmentPath(messageID string) func(mime.Attachment) string {
	return func(a mime.Attachment) string {
		return fmt.Sprintf("/api/v1/inbox/messages/%s/attachments/%d", url.PathEscape(messageID), a.Index)
	}
}

func newMessageDetail(s inbox.MessageSummary, m *mime.Message) apitypes.Message {
	d := apitypes.Message{
		ID:           s.ID,
		ReceivedAt:   s.ReceivedAt,
		Size:         s.Size,
		EnvelopeFrom: s.EnvelopeFrom,
		Recipient:    s.Recipient,
		From:         m.Headers.From,
		To:           m.Headers.To,
		Cc:           m.Headers.Cc,
		ReplyTo:      m.Headers.ReplyTo,
		Subject:      m.Headers.Subject,
		MessageID:    m.Headers.MessageID,
		Text:         m.Text,
		HTML:         mime.ResolveContentIDs(m.HTML, m.Attachments, attachmentPath(s.ID)),
		Attachments:  make([]apitypes.Attachment, 0, len(m.Attachments)),
		Codes:        []apitypes.Code{},
		Links:        []apitypes.Link{},
	}
	if !m.Headers.Date.IsZero() {
		date := m.Headers.Date
		d.Date = &date
	}
	// Codes and links come from the subject and the parsed bodies on every
	// read and are never stored, so the store holds no more plaintext than
	// the message.
	for _, c := range extract.Codes(m.Headers.Subject, m.Text, m.HTML) {
		d.Codes = append(d.Codes, apitypes.Code{Value: c.Value})
	}
	for _, l := range extract.Links(m.Text, m.HTML) {
		d.Links = append(d.Links, apitypes.Link{URL: l.URL, Verification: l.Verification, Target: l.Target})
	}
	for _, att := range m.Attachments {
		d.Attachments = append(d.Attachments, apitypes.Attachment{
			Index:       att.Index,
			Filename:    att.Filename,
			ContentType: att.ContentType,
			Size:        att.Size,
			ContentID:   att.ContentID,
			Inline:      att.Inline,
		})
	}
	return d
}

// getRaw streams the message as it is decrypted, so a large message does
// not have to fit in memory.
func (a *API) getRaw(w http.ResponseWriter, r *http.Request) {
	summary, body, err := accessFrom(r).OpenMessage(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		a.accessError(w, "read raw message", err)
		return
	}
	defer body.Close()

	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Length", strconv.FormatInt(summary.Size, 10))
	a.stream(w, "stream raw message", body)
}

// getAttachment streams one attachment out of the message as it is
// decrypted.
func (a *API) getAttachment(w http.ResponseWriter, r *http.Request) {
	index, err := strconv.Atoi(chi.URLParam(r, "index"))
	if err != nil || index < 0 {
		writeError(w, http.StatusBadRequest, "invalid_index", fmt.Sprintf("invalid attachment index %q: want a number from 0", chi.URLParam(r, "index")))
		return
	}
	_, body, err := accessFrom(r).OpenMessage(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		a.accessError(w, "read message", err)
		return
	}
	defer body.Close()

	att, content, err := mime.OpenAttachment(body, index)
	if errors.Is(err, mime.ErrAttachmentNotFound) {
		writeError(w, http.StatusNotFound, "attachment_not_found", fmt.Sprintf("the message has no attachment with index %d", index))
		return
	}
	if err != nil {
		a.internalError(w, "read attachment", err)
		return
	}

	// A download, never rendered here: an attachment is hostile content
	// served from the API's origin.
	h := w.Header()
	contentType := att.ContentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", contentDisposition(att.Filename, index))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if att.Size >= 0 {
		h.Set("Content-Length", strconv.FormatInt(att.Size, 10))
	}
	a.stream(w, "stream attachment", content)
}

// stream copies content to the response. Once the status line is sent an
// error can only cut the response short, which the client sees as a body
// shorter than its Content-Length or an unfinished chunked encoding. An
// error reading content (a damaged message) is logged as an error. A
// failed write means that the client went away, and its error is not
// logged, because it names the client's address.
func (a *API) stream(w http.ResponseWriter, op string, content io.Reader) {
	src := &readErrorRecorder{r: content}
	_, err := io.Copy(w, src)
	switch {
	case src.err != nil:
		a.cfg.Logger.Error(op, "error", src.err)
	case err != nil:
		a.cfg.Logger.Debug(op + " ended early: the client went away")
	}
}

// readErrorRecorder keeps the error of its reader apart from those of the
// writer that io.Copy also returns.
type readErrorRecorder struct {
	r   io.Reader
	err error
}

func (r *readErrorRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

func contentDisposition(filename string, index int) string {
	if filename == "" {
		filename = fmt.Sprintf("attachment-%d", index)
	}
	if v := stdmime.FormatMediaType("attachment", map[string]string{"filename": filename}); v != "" {
		return v
	}
	return fmt.Sprintf("attachment; filename=attachment-%d", index)
}

func (a *API) deleteMessage(w http.ResponseWriter, r *http.Request) {
	if err := accessFrom(r).DeleteMessage(r.Context(), chi.URLParam(r, "id")); err != nil {
		a.accessError(w, "delete message", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
