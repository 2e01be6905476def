package smtpd

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func TestDotReader_Framing(t *testing.T) {
	cases := []struct {
		name, wire, content, after string
	}{
		{"plain", "a\r\nb\r\n.\r\nNOOP\r\n", "a\r\nb\r\n", "NOOP\r\n"},
		{"empty message", ".\r\nQUIT\r\n", "", "QUIT\r\n"},
		{"stuffed dot", "..a\r\n..\r\n.\r\n", ".a\r\n.\r\n", ""},
		{"dot not first", "a.\r\n a\r\n.\r\n", "a.\r\n a\r\n", ""},
		{"cr cr lf", "a\r\r\n.\r\n", "a\r\r\n", ""},
		{"stuffed dot after cr cr lf", "a\r\r\n..b\r\n.\r\n", "a\r\r\n.b\r\n", ""},
		{"bare lf then dot", "a\n.\r\nb\r\n.\r\n", "a\n.\r\nb\r\n", ""},
		{"bare lf then dot lf", "a\n.\nb\r\n.\r\n", "a\n.\nb\r\n", ""},
		{"bare cr then dot", "a\r.\r\nb\r\n.\r\n", "a\r.\r\nb\r\n", ""},
		{"dot cr not lf", ".\rx\r\n.\r\n", "\rx\r\n", ""},
		{"dot lf", ".\n.\r\n.\r\n", "\n.\r\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, split := range []string{"whole", "byte by byte"} {
				var src io.Reader = strings.NewReader(tc.wire)
				if split == "byte by byte" {
					src = iotest.OneByteReader(src)
				}
				r := bufio.NewReader(src)
				got, err := io.ReadAll(newDotReader(r, func() {}))
				if err != nil {
					t.Fatalf("%s: read: %v", split, err)
				}
				if string(got) != tc.content {
					t.Errorf("%s: content = %q, want %q", split, got, tc.content)
				}
				rest, _ := io.ReadAll(r)
				if string(rest) != tc.after {
					t.Errorf("%s: left %q on the connection, want %q", split, rest, tc.after)
				}
			}
		})
	}
}

func TestDotReader_CutShort(t *testing.T) {
	for _, wire := range []string{"", "a\r\n", "a\r\n.", "a\r\n.\r", "a\n.\r\n"} {
		d := newDotReader(bufio.NewReader(strings.NewReader(wire)), func() {})
		if _, err := io.ReadAll(d); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: error = %v, want io.ErrUnexpectedEOF", wire, err)
		}
		if err := d.Drain(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: Drain error = %v, want io.ErrUnexpectedEOF again", wire, err)
		}
	}
}

func TestContentChecker_Rules(t *testing.T) {
	limits := contentLimits{maxSize: 64, maxLine: 10}
	cases := []struct {
		name, content string
		want          error
	}{
		{"crlf lines", "abc\r\ndef\r\n", nil},
		{"cr cr lf", "abc\r\r\ndef\r\n", nil},
		{"no final line ending", "abc", nil},
		{"line at the limit", strings.Repeat("x", 10) + "\r\n", nil},
		{"line at the limit with cr cr lf", strings.Repeat("x", 9) + "\r\r\n", nil},
		{"bare lf", "abc\ndef\r\n", replyBareLF},
		{"bare lf first", "\n", replyBareLF},
		{"bare cr", "abc\rdef\r\n", replyBareCR},
		{"cr cr cr lf", "abc\r\r\r\n", replyBareCR},
		{"cr cr then text", "abc\r\rdef\r\n", replyBareCR},
		{"cr at the end", "abc\r", replyBareCR},
		{"line over the limit", strings.Repeat("x", 11) + "\r\n", replyLineTooLong},
		{"over the size", strings.Repeat("abcdefg\r\n", 8), replyTooBig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, split := range []string{"whole", "byte by byte"} {
				var src io.Reader = strings.NewReader(tc.content)
				if split == "byte by byte" {
					src = iotest.OneByteReader(src)
				}
				got, err := io.ReadAll(newContentChecker(src, limits))
				if !errors.Is(err, tc.want) {
					t.Errorf("%s: error = %v, want %v", split, err, tc.want)
				}
				if tc.want == nil && string(got) != tc.content {
					t.Errorf("%s: passed %q, want %q unchanged", split, got, tc.content)
				}
			}
		})
	}
}

func TestDATA_StoresExactContent(t *testing.T) {
	cases := []struct {
		name    string
		wire    string // after DATA, up to and including the end marker
		content string
	}{
		{"cr cr lf from cron", "Subject: cron\r\n\r\noutput\r\r\nmore\r\r\n.\r\n", "Subject: cron\r\n\r\noutput\r\r\nmore\r\r\n"},
		{"dot-unstuffing", "Subject: dots\r\n\r\n..\r\n...x\r\n.a\r\n x.\r\n.\r\n", "Subject: dots\r\n\r\n.\r\n..x\r\na\r\n x.\r\n"},
		{"dot after cr cr lf", "Subject: x\r\n\r\na\r\r\n..b\r\n.\r\n", "Subject: x\r\n\r\na\r\r\n.b\r\n"},
		{"8-bit and nul", "Subject: x\r\n\r\n\xc3\xa9\x00\x7f\r\n.\r\n", "Subject: x\r\n\r\n\xc3\xa9\x00\x7f\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
			c := dialReady(t, srv.addr)
			c.expect("MAIL FROM:<alice@sender.example.test>", 250)
			c.expect("RCPT TO:<bob@example.test>", 250)
			c.expect("DATA", 354)
			c.write([]byte(tc.wire))
			if r := c.reply(); r.Code != 250 {
				t.Fatalf("end of data: got %v, want 250", r)
			}
			msgs := srv.backend.messages()
			if len(msgs) != 1 {
				t.Fatalf("stored %d messages, want 1", len(msgs))
			}
			if got := string(msgs[0].Content); got != tc.content {
				t.Errorf("content = %q, want %q", got, tc.content)
			}
		})
	}
}

func TestDATA_RejectedContentKeepsSessionUsable(t *testing.T) {
	cases := []struct {
		name     string
		wire     string
		code     int
		enhanced string
	}{
		{"bare lf", "Subject: x\n\nbody\r\n.\r\n", 550, "5.6.0"},
		{"bare cr", "Subject: x\r\n\r\nbo\rdy\r\n.\r\n", 550, "5.6.0"},
		{"long line", "Subject: x\r\n\r\n" + strings.Repeat("x", 2000) + "\r\n.\r\n", 500, "5.5.6"},
		{"too big", "Subject: x\r\n\r\n" + strings.Repeat("0123456789abcde\r\n", 300) + ".\r\n", 552, "5.3.4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, Config{MaxLineLength: 1000, MaxMessageSize: 4096}, newFakeBackend("bob@example.test"))
			c := dialReady(t, srv.addr)
			c.expect("MAIL FROM:<alice@sender.example.test>", 250)
			c.expect("RCPT TO:<bob@example.test>", 250)
			c.expect("DATA", 354)
			c.write([]byte(tc.wire))
			r := c.reply()
			if r.Code != tc.code || r.enhanced() != tc.enhanced {
				t.Fatalf("end of data: got %v, want %d %s", r, tc.code, tc.enhanced)
			}
			if _, stored, aborted := srv.backend.counts(); stored != 0 || aborted != 1 {
				t.Errorf("stored %d and aborted %d deliveries, want 0 and 1", stored, aborted)
			}

			// The content was read to its end marker: the session goes on.
			c.expect("MAIL FROM:<alice@sender.example.test>", 250)
			c.expect("RCPT TO:<bob@example.test>", 250)
			if r := c.sendData([]byte(simpleMessage)); r.Code != 250 {
				t.Errorf("next message: got %v, want 250", r)
			}
		})
	}
}

func TestBDAT_RejectedContent(t *testing.T) {
	cases := []struct {
		name, chunk string
		code        int
	}{
		{"bare lf", "Subject: x\n\nbody\r\n", 550},
		{"too big", strings.Repeat("0123456789abcde\r\n", 300), 552},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, Config{MaxMessageSize: 4096}, newFakeBackend("bob@example.test"))
			c := dialReady(t, srv.addr)
			c.expect("MAIL FROM:<alice@sender.example.test>", 250)
			c.expect("RCPT TO:<bob@example.test>", 250)
			c.write(bytes.Join([][]byte{[]byte("BDAT " + strconv.Itoa(len(tc.chunk)) + " LAST\r\n"), []byte(tc.chunk)}, nil))
			if r := c.reply(); r.Code != tc.code {
				t.Fatalf("chunk: got %v, want %d", r, tc.code)
			}
			if n := len(srv.backend.messages()); n != 0 {
				t.Errorf("stored %d messages, want none", n)
			}
			c.expect("NOOP", 250)
		})
	}
}
