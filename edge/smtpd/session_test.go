package smtpd

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSession_DeliversMessage(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	if r := c.sendData([]byte(simpleMessage)); r.Code != 250 {
		t.Fatalf("end of data: got %v, want 250", r)
	}
	c.expect("QUIT", 221)

	msgs := srv.backend.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d stored messages, want 1", len(msgs))
	}
	if got := string(msgs[0].Content); got != simpleMessage {
		t.Errorf("content = %q, want %q", got, simpleMessage)
	}
	if got := msgs[0].Envelope.From; got != "alice@sender.example.test" {
		t.Errorf("from = %q, want alice@sender.example.test", got)
	}
	if msgs[0].Envelope.ReceivedAt.IsZero() {
		t.Error("received time is zero, want the time of the transaction")
	}
}

func TestSession_BannerNamesHostOnly(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend())
	_, greeting := dial(t, srv.addr)
	if got, want := greeting.Lines[0], "220 "+testHost+" ESMTP"; got != want {
		t.Errorf("banner = %q, want %q", got, want)
	}
}

func TestSession_EHLOAdvertisesExtensions(t *testing.T) {
	srv := startServer(t, Config{MaxMessageSize: 1 << 20}, newFakeBackend())
	c, _ := dial(t, srv.addr)
	r := c.expect("EHLO client.example.test", 250)

	if got, want := r.Lines[0], "250-"+testHost; got != want {
		t.Errorf("first EHLO line = %q, want %q", got, want)
	}
	var keywords []string
	for _, line := range r.Lines[1:] {
		keywords = append(keywords, line[4:])
	}
	for _, want := range []string{"PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING", fmt.Sprintf("SIZE %d", 1<<20)} {
		if !contains(keywords, want) {
			t.Errorf("EHLO keywords %v lack %q", keywords, want)
		}
	}
	for _, unwanted := range []string{"AUTH", "STARTTLS"} {
		for _, k := range keywords {
			if strings.HasPrefix(k, unwanted) {
				t.Errorf("EHLO keywords %v contain %q, want none without configuration", keywords, k)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRCPT_RepliesFollowBackend(t *testing.T) {
	cases := []struct {
		name     string
		rcpt     string
		checkErr error
		code     int
		enhanced string
	}{
		{"live inbox", "bob@example.test", nil, 250, "2.0.0"},
		{"sub-address", "bob+news@example.test", nil, 250, "2.0.0"},
		{"letter case", "BOB@Example.Test", nil, 250, "2.0.0"},
		{"no inbox", "nobody@example.test", nil, 550, "5.1.1"},
		{"no inbox, quoted", `"no body"@example.test`, nil, 550, "5.1.1"},
		{"foreign domain", "bob@elsewhere.example.net", nil, 550, "5.7.1"},
		{"temporary failure", "bob@example.test", errors.New("owner edge unreachable for bob@example.test"), 451, "4.3.0"},
		{"wrapped no mailbox", "bob@example.test", fmt.Errorf("look up: %w", ErrNoMailbox), 550, "5.1.1"},
		{"dot at end", "dave.@example.test", nil, 501, "5.1.3"},
		{"broken source route", "@relay.example.net,carol@example.test", nil, 501, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			backend := newFakeBackend("bob@example.test")
			backend.checkErr = tc.checkErr
			srv := startServer(t, Config{}, backend)
			c := dialReady(t, srv.addr)
			c.expect("MAIL FROM:<alice@sender.example.test>", 250)

			r := c.cmd("RCPT TO:<" + tc.rcpt + ">")
			if r.Code != tc.code {
				t.Fatalf("got %v, want %d", r, tc.code)
			}
			if tc.enhanced != "" && r.enhanced() != tc.enhanced {
				t.Errorf("got enhanced code %s, want %s", r.enhanced(), tc.enhanced)
			}
			if strings.Contains(srv.logs.String(), "bob@example.test") {
				t.Errorf("log names the address:\n%s", srv.logs)
			}
		})
	}
}

func TestRCPT_SameInboxTwiceGetsOneCopy(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob+a@example.test>", 250)
	c.expect("RCPT TO:<BOB@example.test>", 250)
	if r := c.sendData([]byte(simpleMessage)); r.Code != 250 {
		t.Fatalf("end of data: got %v, want 250", r)
	}
	rcpts := srv.backend.messages()[0].Envelope.Recipients
	if len(rcpts) != 1 || rcpts[0].Original != "bob+a@example.test" {
		t.Errorf("recipients = %+v, want bob once, as first written", rcpts)
	}
}

func TestRCPT_OutOfSequenceGets503(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c, _ := dial(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 503) // before EHLO
	c.expect("EHLO client.example.test", 250)
	c.expect("RCPT TO:<bob@example.test>", 503)
	c.expect("DATA", 503)
	c.expect("BDAT 0 LAST", 503)
	c.expect("BDAT 0", 503)
}

func TestDATA_BackendFailures(t *testing.T) {
	cases := []struct {
		name   string
		setup  func(b *fakeBackend)
		code   int
		stored int
	}{
		{"begin fails", func(b *fakeBackend) { b.beginErr = errors.New("disk full") }, 451, 0},
		{"inbox expired", func(b *fakeBackend) { b.inboxes = map[string]bool{} }, 550, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			backend := newFakeBackend("bob@example.test")
			srv := startServer(t, Config{}, backend)
			c := dialReady(t, srv.addr)
			c.expect("MAIL FROM:<alice@sender.example.test>", 250)
			c.expect("RCPT TO:<bob@example.test>", 250)
			backend.mu.Lock()
			tc.setup(backend)
			backend.mu.Unlock()

			if r := c.sendData([]byte(simpleMessage)); r.Code != tc.code {
				t.Errorf("end of data: got %v, want %d", r, tc.code)
			}
			if n := len(backend.messages()); n != tc.stored {
				t.Errorf("stored %d messages, want %d", n, tc.stored)
			}
			c.expect("NOOP", 250)
		})
	}
}

func TestBDAT_DeliversChunks(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)

	first, second := simpleMessage[:30], simpleMessage[30:]
	// The chunks pipelined, the way CHUNKING senders do.
	c.write([]byte(fmt.Sprintf("BDAT 0\r\nBDAT %d\r\n%sBDAT 0\r\nBDAT %d LAST\r\n%s", len(first), first, len(second), second)))
	for i := range 3 {
		if r := c.reply(); r.Code != 250 {
			t.Fatalf("chunk %d: got %v, want 250", i+1, r)
		}
	}
	if r := c.reply(); r.Code != 250 {
		t.Fatalf("last chunk: got %v, want 250", r)
	}
	msgs := srv.backend.messages()
	if len(msgs) != 1 || string(msgs[0].Content) != simpleMessage {
		t.Fatalf("stored %+v, want the message once", msgs)
	}
	c.expect("NOOP", 250)
}

func TestBDAT_ResetDropsMessage(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	c.write([]byte("BDAT 5\r\nHello"))
	if r := c.reply(); r.Code != 250 {
		t.Fatalf("chunk: got %v, want 250", r)
	}
	c.expect("RSET", 250)
	c.expect("BDAT 3 LAST\r\nabc", 503)

	waitFor(t, "the delivery to be aborted", func() bool {
		_, _, aborted := srv.backend.counts()
		return aborted == 1
	})
	if n := len(srv.backend.messages()); n != 0 {
		t.Errorf("stored %d messages, want none", n)
	}
}

func TestBDAT_MalformedArgumentsReadNoChunk(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	for _, line := range []string{"BDAT", "BDAT x", "BDAT 5 FIRST", "BDAT -1", "BDAT 99999999999"} {
		if r := c.cmd(line); r.Code != 501 {
			t.Errorf("%q: got %v, want 501", line, r)
		}
	}
	c.expect("NOOP", 250)
}

func TestCommands_UnknownAndMalformed(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend())
	c := dialReady(t, srv.addr)
	for _, line := range []string{"", "XYZZY", "NOP", "NOOPS", "MAILFROM:<a@b>", "\x00\x01\x02\x03"} {
		if r := c.cmd(line); r.Code != 500 {
			t.Errorf("%q: got %v, want 500", line, r)
		}
	}
	// go-smtp would have closed the session after its fourth protocol
	// error; MaxErrors decides instead.
	c.expect("NOOP", 250)
	c.expect("VRFY bob@example.test", 252)
	c.expect("HELP", 502)
}

func TestQUIT_EndsPipelinedSession(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c, _ := dial(t, srv.addr)
	c.write([]byte("EHLO client.example.test\r\nQUIT\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<bob@example.test>\r\nNOOP\r\n"))
	got := c.replies()
	checkCodes(t, got, []int{250, 221})
	if logs := srv.logs.String(); strings.Contains(logs, "panic") {
		t.Errorf("server logged a panic:\n%s", logs)
	}
}

func TestReplies_ControlCharactersReplaced(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend())
	c, _ := dial(t, srv.addr)
	r := c.expect("HELO a\rb\x00c", 250)
	if got, want := r.text(), "2.0.0 Hello a?b?c"; got != want {
		t.Errorf("reply text = %q, want %q", got, want)
	}
}

func TestParseCommand(t *testing.T) {
	cases := []struct {
		line, verb, arg string
		ok              bool
	}{
		{"NOOP", "NOOP", "", true},
		{"noop", "NOOP", "", true},
		{"MAIL FROM:<a@b>", "MAIL", "FROM:<a@b>", true},
		{"RCPT   TO:<a@b>  ", "RCPT", "TO:<a@b>", true},
		{"STARTTLS", "STARTTLS", "", true},
		{"starttls now", "STARTTLS", " now", true},
		{"", "", "", false},
		{"NOP", "", "", false},
		{"NOOPS", "", "", false},
		{"MAILFROM:<a@b>", "", "", false},
	}
	for _, tc := range cases {
		verb, arg, ok := parseCommand(tc.line)
		if verb != tc.verb || arg != tc.arg || ok != tc.ok {
			t.Errorf("parseCommand(%q) = %q, %q, %v; want %q, %q, %v", tc.line, verb, arg, ok, tc.verb, tc.arg, tc.ok)
		}
	}
}
