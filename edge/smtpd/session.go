package smtpd

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mayfly-mail/mayfly/edge/address"
)

// session is the go-smtp session of one connection. go-smtp calls Mail,
// Rcpt, Reset and, for DATA, Data from the connection's goroutine. Data
// of a BDAT transfer runs in a goroutine of its own, and Logout may come
// from Server.Shutdown, so mu guards the transaction.
type session struct {
	server *Server
	conn   *conn
	ctx    context.Context
	cancel context.CancelFunc
	logger *slog.Logger

	mu         sync.Mutex
	open       bool // MAIL was accepted and the transaction has not ended
	from       string
	recipients []Recipient
	// started is closed when Data of the transaction begins.
	started       chan struct{}
	startedClosed bool
}

// Mail starts a transaction. The reverse-path is parsed again from the
// command line, because go-smtp removes the quotes of a quoted local part.
// A path that only go-smtp accepts is kept as go-smtp returns it, because
// a broken sender address is no reason to reject mail.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if arg, ok := s.conn.pathArgument("FROM:"); ok {
		m, _, err := address.ParseReversePath(arg)
		if err != nil {
			return replyBadSender
		}
		from = ""
		if m != (address.Mailbox{}) {
			from = m.String()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open, s.from, s.recipients = true, from, nil
	s.started, s.startedClosed = make(chan struct{}), false
	return nil
}

// Rcpt accepts a recipient that the backend accepts. A recipient given
// twice, or as two spellings of one inbox, is accepted once.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.server.calls.enter() {
		return replyShuttingDown
	}
	defer s.server.calls.leave()

	m, err := s.recipientMailbox(to)
	if err != nil {
		s.logger.Debug("recipient rejected", "reason", "syntax")
		return replyBadRecipient
	}
	if m.Domain == "" {
		// RFC 5321 §4.1.1.3: <Postmaster> is the postmaster of this host.
		m.Domain = s.server.cfg.Hostname
	}
	addr, _ := address.Normalise(m)
	if s.hasRecipient(addr) {
		return nil
	}

	ctx, cancel := context.WithTimeout(s.ctx, s.server.cfg.CommandTimeout)
	defer cancel()
	if err := s.server.backend.CheckRecipient(ctx, addr); err != nil {
		return s.recipientRejected(err, addr, m)
	}
	s.mu.Lock()
	s.recipients = append(s.recipients, Recipient{Address: addr, Original: m.String()})
	s.mu.Unlock()
	return nil
}

// recipientMailbox parses the forward-path from the command line, which
// keeps the quoting that go-smtp removes from to.
func (s *session) recipientMailbox(to string) (address.Mailbox, error) {
	arg, ok := s.conn.pathArgument("TO:")
	if !ok {
		arg = "<" + to + ">"
	}
	m, _, err := address.ParseForwardPath(arg)
	return m, err
}

func (s *session) hasRecipient(addr address.Address) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.recipients {
		if r.Address == addr {
			return true
		}
	}
	return false
}

// recipientRejected turns CheckRecipient's error into the reply. The log
// line leaves out the address, also from the backend's error text.
func (s *session) recipientRejected(err error, addr address.Address, m address.Mailbox) error {
	switch {
	case errors.Is(err, ErrNoMailbox):
		s.logger.Debug("recipient rejected", "reason", "no_mailbox")
		return replyNoMailbox
	case errors.Is(err, ErrDomainNotServed):
		s.logger.Debug("recipient rejected", "reason", "domain_not_served")
		return replyDomainNotServed
	}
	s.logger.Error("check recipient failed", "error", redact(err, addr.String(), m.String()))
	return replyTempFailure
}

// Data streams the message into the backend through the content checks and
// returns only when the backend has committed it. For DATA the content
// comes from conn's dotReader, for BDAT from r.
func (s *session) Data(r io.Reader) error {
	s.markStarted()
	if d := s.conn.takeData(); d != nil {
		r = d
	}
	if !s.server.calls.enter() {
		return replyShuttingDown
	}
	defer s.server.calls.leave()

	env := s.envelope()
	delivery, err := s.server.backend.BeginDelivery(s.ctx, env)
	if err != nil {
		s.logger.Error("begin delivery failed", "error", redactEnvelope(err, env))
		return replyTempFailure
	}
	content := newContentChecker(r, contentLimits{maxSize: s.server.cfg.MaxMessageSize, maxLine: s.server.cfg.MaxLineLength})
	out := &deliveryWriter{delivery: delivery}
	buf := copyBuffers.Get().(*[]byte)
	size, err := io.CopyBuffer(out, content, *buf)
	copyBuffers.Put(buf)
	if err != nil {
		delivery.Abort()
		return s.transferFailed(err, out.err, env)
	}
	return s.commit(delivery, env, size)
}

// commit makes the message durable and logs its acceptance.
func (s *session) commit(delivery Delivery, env Envelope, size int64) error {
	stored, err := delivery.Commit(s.ctx)
	switch {
	case errors.Is(err, ErrNoMailbox) || (err == nil && stored == 0):
		s.logger.Info("message rejected", "reason", "no_mailbox")
		return replyNoMailbox
	case err != nil:
		s.logger.Error("store message failed", "error", redactEnvelope(err, env))
		return replyTempFailure
	}
	s.logger.Info("message accepted", "recipients", stored, "size", size)
	return nil
}

// transferFailed turns a failed transfer into the reply: a broken content
// rule or a lost connection is the client's, a failed write the
// backend's.
func (s *session) transferFailed(readErr, writeErr error, env Envelope) error {
	var rejected *smtp.SMTPError
	switch {
	case writeErr != nil:
		s.logger.Error("store message failed", "error", redactEnvelope(writeErr, env))
		return replyTempFailure
	case errors.Is(readErr, smtp.ErrDataReset):
		// RSET or a closed connection during BDAT: go-smtp sends no reply.
		return readErr
	case errors.As(readErr, &rejected):
		s.logger.Info("message rejected", "code", rejected.Code, "reason", rejected.Message)
		return rejected
	case isTimeout(readErr):
		s.logger.Info("message transfer timed out")
		return replyDataTimeout
	default:
		s.logger.Info("message transfer aborted")
		return replyAborted
	}
}

func (s *session) envelope() Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Envelope{
		From:       s.from,
		Recipients: append([]Recipient(nil), s.recipients...),
		ReceivedAt: time.Now().UTC(),
	}
}

// Reset ends the transaction.
func (s *session) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open, s.from, s.recipients = false, "", nil
}

// Logout ends the session and cancels what it still waits for.
func (s *session) Logout() error {
	s.cancel()
	return nil
}

func (s *session) markStarted() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started != nil && !s.startedClosed {
		close(s.started)
		s.startedClosed = true
	}
}

// dataStarted returns a channel that is closed once Data of the current
// transaction has begun.
func (s *session) dataStarted() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

func (s *session) hasRecipients() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open && len(s.recipients) > 0
}

func (s *session) inTransaction() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// deliveryWriter keeps the backend's write error apart from the reader's.
// copyBuffers holds the buffers that message content is copied through,
// so that a message does not allocate the 32 KiB io.Copy would.
var copyBuffers = sync.Pool{New: func() any {
	buf := make([]byte, 32<<10)
	return &buf
}}

type deliveryWriter struct {
	delivery Delivery
	err      error
}

func (w *deliveryWriter) Write(p []byte) (int, error) {
	n, err := w.delivery.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// redact removes the given addresses from an error's text, for errors of
// the backend that may quote them.
func redact(err error, addrs ...string) string {
	text := err.Error()
	for _, a := range addrs {
		if a != "" {
			text = strings.ReplaceAll(text, a, "<address>")
		}
	}
	return text
}

func redactEnvelope(err error, env Envelope) string {
	addrs := []string{env.From}
	for _, r := range env.Recipients {
		addrs = append(addrs, r.Address.String(), r.Original)
	}
	return redact(err, addrs...)
}
