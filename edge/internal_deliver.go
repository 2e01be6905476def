package edge

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/mayfly-mail/mayfly/edge/address"
	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/mime"
)

// maxEnvelopeBytes bounds the envelope line of a forwarded message and the
// body of a recipient check: 1000 recipients of about 256 bytes fit.
const maxEnvelopeBytes = 256 << 10

// checkRecipient serves POST /internal/v1/recipients/check.
func (h *internalAPI) checkRecipient(w http.ResponseWriter, r *http.Request) {
	var req recipientCheckRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxEnvelopeBytes))
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "invalid JSON body: want {\"address\": \"local@domain\"}")
		return
	}
	addr, _, err := address.Parse(req.Address)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_address", "invalid address: want local@domain")
		return
	}
	live, err := h.inboxes.Accepts(r.Context(), addr.String())
	if err != nil {
		h.logger.Error("check forwarded recipient", "error", err)
		writeError(w, http.StatusInternalServerError, "internal", "the recipient could not be checked")
		return
	}
	writeJSON(w, http.StatusOK, recipientCheckReply{Accepts: live})
}

// deliver serves POST /internal/v1/deliveries: it reads the envelope line,
// streams the message into the inbox service and commits it once the body
// ended with a size trailer that matches what arrived.
func (h *internalAPI) deliver(w http.ResponseWriter, r *http.Request) {
	body := bufio.NewReaderSize(http.MaxBytesReader(w, r.Body, maxEnvelopeBytes+h.maxMessageSize), maxEnvelopeBytes)
	env, err := readEnvelope(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_envelope", err.Error())
		return
	}
	del, err := h.inboxes.BeginDelivery(r.Context(), inbox.Envelope{From: env.From, ReceivedAt: env.ReceivedAt}, recipientsOf(env))
	if errors.Is(err, inbox.ErrNoInbox) {
		writeError(w, http.StatusNotFound, codeNoInbox, "no live inbox has any of the recipients")
		return
	}
	if err != nil {
		h.logger.Error("begin forwarded delivery", "error", err)
		writeError(w, http.StatusInternalServerError, "internal", "the message could not be stored")
		return
	}

	summary := mime.NewSummaryWriter()
	size, err := io.Copy(io.MultiWriter(del, summary), body)
	if err == nil {
		err = checkSize(r.Trailer, size)
	}
	if err != nil {
		del.Abort()
		h.rejectBody(w, err)
		return
	}

	s := summary.Summary()
	stored, err := del.Commit(r.Context(), inbox.MessageMeta{From: s.From, Subject: s.Subject, Date: s.Date, HasAttachments: s.HasAttachments})
	switch {
	case errors.Is(err, inbox.ErrNoInbox):
		writeError(w, http.StatusNotFound, codeNoInbox, "no live inbox has any of the recipients")
	case err != nil:
		h.logger.Error("store forwarded message", "error", err)
		writeError(w, http.StatusInternalServerError, "internal", "the message could not be stored")
	default:
		writeJSON(w, http.StatusOK, deliveryReply{Stored: stored})
	}
}

// readEnvelope reads and decodes the first line of a delivery body.
func readEnvelope(body *bufio.Reader) (deliveryEnvelope, error) {
	line, err := body.ReadSlice('\n')
	if err != nil {
		return deliveryEnvelope{}, fmt.Errorf("read envelope line of at most %d bytes: %w", maxEnvelopeBytes, err)
	}
	var env deliveryEnvelope
	if err := json.Unmarshal(line, &env); err != nil {
		return deliveryEnvelope{}, fmt.Errorf("decode envelope: %w", err)
	}
	if len(env.Recipients) == 0 {
		return deliveryEnvelope{}, errors.New("decode envelope: no recipients")
	}
	return env, nil
}

// recipientsOf normalises the envelope's addresses again, because the
// inbox service looks them up exactly as given.
func recipientsOf(env deliveryEnvelope) []inbox.DeliveryRecipient {
	out := make([]inbox.DeliveryRecipient, 0, len(env.Recipients))
	for _, r := range env.Recipients {
		addr, _, err := address.Parse(r.Address)
		if err != nil {
			continue
		}
		out = append(out, inbox.DeliveryRecipient{Address: addr.String(), Original: r.Original})
	}
	return out
}

// errTruncated means a delivery body ended without the size trailer or
// with a size that differs from what arrived.
var errTruncated = errors.New("message truncated")

func checkSize(trailer http.Header, size int64) error {
	want, err := strconv.ParseInt(trailer.Get(messageSizeTrailer), 10, 64)
	if err != nil || want != size {
		return fmt.Errorf("%w: received %d bytes, but the %s trailer is %q", errTruncated, size, messageSizeTrailer, trailer.Get(messageSizeTrailer))
	}
	return nil
}

// rejectBody replies to a delivery whose body could not be read whole.
func (h *internalAPI) rejectBody(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the message is larger than %d bytes", h.maxMessageSize))
	case errors.Is(err, errTruncated):
		h.logger.Warn("forwarded message discarded", "reason", "size_mismatch")
		writeError(w, http.StatusBadRequest, "truncated", err.Error())
	default:
		// The sending edge broke the body off: its SMTP transfer failed.
		h.logger.Info("forwarded message discarded", "reason", "body_aborted")
		writeError(w, http.StatusBadRequest, "aborted", "the message body ended early")
	}
}
