package smtpd

import (
	"errors"
	"io"
)

// contentLimits are the rules message content must keep.
type contentLimits struct {
	maxSize int64
	maxLine int
}

// contentChecker passes message content through until the first byte that
// breaks a rule, then returns that rule's reply as the error of this and
// every later Read. These are the rules:
//
//   - every line ends with CRLF, except that a CR directly before CRLF is
//     kept as content, because cron and other programs write lines that
//     end in CR CR LF;
//   - no line is longer than maxLine octets without its CRLF;
//   - the content is at most maxSize octets.
//
// Bare CR and LF are rejected because receivers disagree on where such
// lines end, which is what SMTP smuggling exploits.
type contentChecker struct {
	r      io.Reader
	limits contentLimits

	size int64
	line int // octets of the current line, CRs included, LF excluded
	crs  int // CRs just read, not yet followed by LF
	err  error
}

func newContentChecker(r io.Reader, limits contentLimits) *contentChecker {
	return &contentChecker{r: r, limits: limits}
}

func (c *contentChecker) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	if bad := c.check(p[:n]); bad != nil {
		c.err = bad
		return 0, bad
	}
	if errors.Is(err, io.EOF) && c.crs > 0 {
		c.err = replyBareCR
		return 0, c.err
	}
	return n, err
}

// check applies the rules to the next bytes of content.
func (c *contentChecker) check(b []byte) error {
	c.size += int64(len(b))
	if c.size > c.limits.maxSize {
		return replyTooBig
	}
	for _, ch := range b {
		switch {
		case ch == '\n':
			if c.crs == 0 {
				return replyBareLF
			}
			c.crs, c.line = 0, 0
			continue
		case ch == '\r':
			c.crs++
			if c.crs > 2 {
				return replyBareCR
			}
		case c.crs > 0:
			return replyBareCR
		}
		c.line++
		// The line's own CR is not content: allow one more octet.
		if c.line > c.limits.maxLine+1 {
			return replyLineTooLong
		}
	}
	return nil
}
