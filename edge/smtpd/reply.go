package smtpd

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// replyState follows the replies written to the client, line by line.
type replyState struct {
	greeted  bool
	partial  []byte // written bytes without their line ending yet
	midReply bool   // the last line was not the last of its reply
	errors   int
}

// sequenceVerbs are the commands to which go-smtp v0.26.0 replies 502
// when they come out of sequence (MAIL before EHLO, RCPT before MAIL,
// DATA or BDAT before RCPT), where RFC 5321 §4.3.2 wants 503.
var sequenceVerbs = map[string]bool{"MAIL": true, "RCPT": true, "DATA": true, "BDAT": true}

// filter takes what go-smtp or conn writes and returns what goes to the
// client. It holds back an incomplete line until its line ending comes.
func (r *replyState) filter(c *conn, p []byte) []byte {
	r.partial = append(r.partial, p...)
	var out []byte
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			break
		}
		out = r.line(c, out, r.partial[:i+1])
		r.partial = r.partial[i+1:]
	}
	if len(r.partial) == 0 {
		r.partial = nil
	}
	return out
}

// line appends one reply line to out, rewritten where needed.
func (r *replyState) line(c *conn, out, line []byte) []byte {
	line = printable(line)
	code, final, ok := parseReplyLine(line)
	first := !r.midReply
	r.midReply = ok && !final
	host := c.server.cfg.Hostname

	switch {
	case !r.greeted:
		// go-smtp's banner adds "Service Ready". This one names the host
		// and the protocol only, and no software.
		r.greeted = true
		return fmt.Appendf(out, "220 %s ESMTP\r\n", host)
	case !ok:
		return append(out, line...)
	case first && !final && code == 250 && c.verb == "EHLO":
		// RFC 5321 §4.1.1.1: the first line names the server.
		out = fmt.Appendf(out, "250-%s\r\n", host)
		if c.server.tls != nil && c.tlsConn == nil {
			out = append(out, "250-STARTTLS\r\n"...)
		}
		return out
	case final && code == 502 && sequenceVerbs[c.verb]:
		out = append(out, "503"...)
		line = line[3:]
	}
	out = append(out, line...)
	if final {
		out = r.finished(c, out, code)
	}
	return out
}

// finished acts on the code of a complete reply.
func (r *replyState) finished(c *conn, out []byte, code int) []byte {
	switch {
	case code == 354 && c.verb == "DATA":
		c.startData()
	case code == 421:
		c.closing = true
	case code >= 400:
		r.errors++
		if r.errors >= c.server.cfg.MaxErrors {
			c.logger.Info("closing session after too many errors", "errors", r.errors)
			out = append(out, formatReply(replyTooManyErrors)...)
			c.closing = true
		}
	}
	return out
}

// printable replaces control characters before the line ending with '?':
// go-smtp echoes the client's text (the EHLO name, the paths), and a bare
// CR in a reply would confuse the client's parser.
func printable(line []byte) []byte {
	body := bytes.TrimRight(line, "\r\n")
	if bytes.IndexFunc(body, isControl) < 0 {
		return line
	}
	clean := bytes.Map(func(r rune) rune {
		if isControl(r) {
			return '?'
		}
		return r
	}, body)
	return append(clean, line[len(body):]...)
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

// parseReplyLine reads the code of a reply line and whether the line is
// the last of its reply ("250 ") or not ("250-").
func parseReplyLine(line []byte) (code int, final bool, ok bool) {
	if len(line) < 4 || (line[3] != ' ' && line[3] != '-' && line[3] != '\r') {
		return 0, false, false
	}
	code, err := strconv.Atoi(string(line[:3]))
	if err != nil {
		return 0, false, false
	}
	return code, line[3] != '-', true
}

// reply writes one of the server's own replies.
func (c *conn) reply(r replyError) {
	_ = c.raw.SetWriteDeadline(time.Now().Add(c.server.cfg.WriteTimeout))
	_, _ = c.Write(formatReply(r))
}
