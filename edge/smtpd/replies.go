package smtpd

import (
	"fmt"

	"github.com/emersion/go-smtp"
)

// Replies the edge sends itself. Internal failures reach the client only
// as replyTempFailure; their detail goes to the log.
var (
	replyNoMailbox       = reply(550, 5, 1, 1, "No such mailbox")
	replyDomainNotServed = reply(550, 5, 7, 1, "Relaying denied: this server accepts mail for its own domains only")
	replyBadRecipient    = reply(501, 5, 1, 3, "Invalid recipient address syntax")
	replyBadSender       = reply(501, 5, 1, 7, "Invalid sender address syntax")
	replyTempFailure     = reply(451, 4, 3, 0, "Temporary failure, try again later")
	replyAborted         = reply(451, 4, 4, 2, "Message transfer aborted")

	replyLineTooLong = reply(500, 5, 5, 6, "Line too long")
	replyTooBig      = reply(552, 5, 3, 4, "Message exceeds the maximum size")
	replyBareLF      = reply(550, 5, 6, 0, "Bare LF in message content: end every line with CRLF")
	replyBareCR      = reply(550, 5, 6, 0, "Bare CR in message content: end every line with CRLF")

	replyCommandTimeout = reply(421, 4, 4, 2, "Timeout waiting for a command, closing connection")
	replyDataTimeout    = reply(421, 4, 4, 2, "Timeout waiting for message data, closing connection")
	replyShuttingDown   = reply(421, 4, 3, 2, "Service shutting down, try again later")
	replyTooManyErrors  = reply(421, 4, 7, 0, "Too many errors, closing connection")
	replyTooManyConns   = reply(421, 4, 7, 0, "Too many connections, try again later")
	replyClientConns    = reply(421, 4, 7, 0, "Too many connections from your host, try again later")

	replyUnknownCommand = reply(500, 5, 5, 2, "Syntax error, command not recognized")
	replyNoAuth         = reply(502, 5, 5, 1, "AUTH is not available on this server")
	replyBDATSyntax     = reply(501, 5, 5, 4, "Invalid BDAT arguments: want BDAT size [LAST]")
	replyNoRecipients   = reply(503, 5, 5, 1, "Missing RCPT TO command")
	replyChunkReceived  = reply(250, 2, 0, 0, "0 octets received")
	replyTLSReady       = reply(220, 2, 0, 0, "Ready to start TLS")
	replyTLSActive      = reply(503, 5, 5, 1, "TLS is already active")
	replyTLSArguments   = reply(501, 5, 5, 4, "STARTTLS takes no arguments")
	replyHelloFirst     = reply(503, 5, 5, 1, "Send EHLO again after STARTTLS")
)

func reply(code, class, subject, detail int, text string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{class, subject, detail}, Message: text}
}

// formatReply writes r as one reply line with its enhanced status code.
func formatReply(r *smtp.SMTPError) []byte {
	e := r.EnhancedCode
	return fmt.Appendf(nil, "%d %d.%d.%d %s\r\n", r.Code, e[0], e[1], e[2], r.Message)
}
