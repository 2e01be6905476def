package smtpd

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mayfly-mail/mayfly/edge/address"
	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/mime"
)

// Replies the server sends; internal failures never reach the client in
// any other form.
var (
	errNotOurDomain = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied: this server accepts mail for its own domains only"}
	errNoMailbox    = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
	errBadAddress   = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Invalid recipient address syntax"}
	errNullRcpt     = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "A null forward-path is not a valid recipient"}
	errTempFailure  = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
	errLineTooLong  = &smtp.SMTPError{Code: 500, EnhancedCode: smtp.EnhancedCode{5, 5, 6}, Message: "Line too long"}
	errAborted      = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 5, 0}, Message: "Message transfer aborted"}
)

// recipient is one accepted RCPT: the inbox address and what the sender wrote.
type recipient struct {
	inbox    string
	original string
}

// session is one SMTP connection. go-smtp calls its methods from the
// connection's goroutine only.
type session struct {
	server     *Server
	ctx        context.Context
	cancel     context.CancelFunc
	logger     *slog.Logger
	from       string
	recipients []recipient
}

// Mail records the reverse-path; "" is the null path of bounces.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	s.recipients = s.recipients[:0]
	return nil
}

// Rcpt accepts a recipient only when a live inbox has the address.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == "" {
		return errNullRcpt
	}
	addr, _, err := address.Parse(to)
	if err != nil {
		return errBadAddress
	}
	status, ok := s.server.domains.DomainStatus(addr.Domain)
	if !ok || !status.ServesMail() {
		s.logger.Debug("recipient rejected", "reason", "domain_not_served")
		return errNotOurDomain
	}
	live, err := s.server.inboxes.Accepts(s.ctx, addr.String())
	if err != nil {
		s.logger.Error("look up recipient", "error", err)
		return errTempFailure
	}
	if !live {
		s.logger.Debug("recipient rejected", "reason", "no_inbox")
		return errNoMailbox
	}
	s.recipients = append(s.recipients, recipient{inbox: addr.String(), original: to})
	return nil
}

// Data reads the message, then stores one encrypted copy per recipient and
// returns only when every copy is durable.
func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return s.dataError(err)
	}

	summary := mime.Summarize(raw)
	meta := inbox.MessageMeta{
		From:           summary.From,
		Subject:        summary.Subject,
		Date:           summary.Date,
		HasAttachments: summary.HasAttachments,
	}
	received := time.Now().UTC()

	delivered := 0
	for _, rcpt := range s.recipients {
		env := inbox.Envelope{From: s.from, Recipient: rcpt.original, ReceivedAt: received}
		_, err := s.server.inboxes.Deliver(s.ctx, rcpt.inbox, env, meta, raw)
		switch {
		case err == nil:
			delivered++
		case errors.Is(err, inbox.ErrNoInbox):
			// The inbox expired between RCPT and the end of DATA: its copy
			// is dropped as the inbox would have been swept anyway.
			s.logger.Info("recipient expired during the transaction")
		default:
			s.logger.Error("store message", "error", err)
			return errTempFailure
		}
	}
	if delivered == 0 {
		return errNoMailbox
	}
	s.logger.Info("message accepted", "recipients", delivered, "size", len(raw))
	return nil
}

// dataError turns a failed read of the message into a reply.
func (s *session) dataError(err error) error {
	var smtpErr *smtp.SMTPError
	switch {
	case errors.As(err, &smtpErr):
		s.logger.Info("message rejected", "code", smtpErr.Code)
		return smtpErr
	case errors.Is(err, smtp.ErrTooLongLine):
		s.logger.Info("message rejected", "reason", "line_too_long")
		return errLineTooLong
	default:
		s.logger.Info("message transfer aborted", "reason", abortReason(err))
		return errAborted
	}
}

// abortReason classifies a read error without its text, which for network
// errors contains the client's address.
func abortReason(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, smtp.ErrDataReset):
		return "reset"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection_closed"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	default:
		return "read_error"
	}
}

// Reset drops the current transaction.
func (s *session) Reset() {
	s.from = ""
	s.recipients = s.recipients[:0]
}

// Logout ends the session.
func (s *session) Logout() error {
	s.cancel()
	return nil
}
