package smtpd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tests built from real-world inputs that broke other SMTP receivers;
// testdata/<case>/ holds the inputs.

func readCase(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runDialogue sends the command lines of an smtp-dialogue.txt file one by
// one and returns one reply per line: DATA gets its 354, the message lines
// up to the lone "." are content, and the "." line gets the final reply.
// A line "<contents of NAME>" is replaced by that file of the case. With
// keepOpen, a final QUIT is left out.
func runDialogue(t *testing.T, c *client, dir string, keepOpen bool) []smtpReply {
	t.Helper()
	text := strings.TrimSuffix(string(readCase(t, dir, "smtp-dialogue.txt")), "\r\n")
	if keepOpen {
		text = strings.TrimSuffix(text, "\r\nQUIT")
	}
	var replies []smtpReply
	var content *bytes.Buffer
	for line := range strings.SplitSeq(text, "\r\n") {
		switch {
		case content == nil && strings.EqualFold(line, "DATA"):
			replies = append(replies, c.cmd(line))
			content = &bytes.Buffer{}
		case content != nil && line == ".":
			c.write(dotStuff(content.Bytes()))
			replies = append(replies, c.reply())
			content = nil
		case content != nil && strings.HasPrefix(line, "<contents of "):
			content.Write(readCase(t, dir, strings.TrimSuffix(strings.TrimPrefix(line, "<contents of "), ">")))
		case content != nil:
			content.WriteString(line + "\r\n")
		default:
			replies = append(replies, c.cmd(line))
		}
	}
	return replies
}

// checkCodes compares reply codes with the wanted ones, one by one.
func checkCodes(t *testing.T, got []smtpReply, want []int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d replies %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].Code != want[i] {
			t.Errorf("reply %d: got %v, want %d", i+1, got[i], want[i])
		}
	}
}

func TestBDAT_RefusedChunkIsDiscarded(t *testing.T) {
	const dir = "001-bdat-rejected-chunk-not-discarded"
	cases := []struct {
		name  string
		input string
		codes []int
	}{
		// EHLO, BDAT without a transaction, RCPT (503 proves that the
		// chunk's MAIL FROM did not run), NOOP, QUIT.
		{"no transaction", "client-bytes-a.bin", []int{250, 503, 503, 250, 221}},
		// EHLO, MAIL, RCPT to a foreign domain, BDAT with three NOOP lines
		// as its chunk, QUIT: no 250 for the NOOPs.
		{"no recipient", "client-bytes-b.bin", []int{250, 250, 550, 503, 221}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
			c, _ := dial(t, srv.addr)
			c.write(readCase(t, dir, tc.input))
			got := c.replies()
			checkCodes(t, got, tc.codes)
			if !strings.Contains(got[0].String(), "CHUNKING") {
				t.Errorf("EHLO reply %v lacks CHUNKING", got[0])
			}
			if begun, stored, _ := srv.backend.counts(); begun != 0 || stored != 0 {
				t.Errorf("backend began %d and stored %d messages, want none", begun, stored)
			}
		})
	}
}

func TestAUTH_MalformedCommandsGetOneErrorEach(t *testing.T) {
	const dir = "002-auth-blank-argument-panic"
	srv := startServer(t, Config{}, newFakeBackend())
	c, _ := dial(t, srv.addr)
	c.write(readCase(t, dir, "client-bytes.bin"))
	got := c.replies()

	// EHLO, five AUTH lines, NOOP, QUIT.
	checkCodes(t, got, []int{250, 502, 502, 502, 502, 502, 250, 221})
	if strings.Contains(got[0].String(), "AUTH") {
		t.Errorf("EHLO reply %v advertises AUTH, want none", got[0])
	}
	if logs := srv.logs.String(); strings.Contains(logs, "panic") {
		t.Errorf("server logged a panic:\n%s", logs)
	}
}

func TestAUTH_TruncatedCommandKeepsServerUp(t *testing.T) {
	const dir = "002-auth-blank-argument-panic"
	srv := startServer(t, Config{}, newFakeBackend())
	c, _ := dial(t, srv.addr)
	c.write(readCase(t, dir, "client-bytes-fuzz-shape.bin"))
	if err := c.conn.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got := c.replies()
	if len(got) == 0 || got[0].Code != 250 {
		t.Errorf("replies = %v, want 250 to EHLO first", got)
	}

	next, greeting := dial(t, srv.addr)
	if greeting.Code != 220 {
		t.Fatalf("greeting of the next connection = %v, want 220", greeting)
	}
	next.expect("NOOP", 250)
	if logs := srv.logs.String(); strings.Contains(logs, "panic") {
		t.Errorf("server logged a panic:\n%s", logs)
	}
}

func TestDATA_OnlyCRLFDotCRLFEndsContent(t *testing.T) {
	const dir = "003-smtp-smuggling-bare-lf-dot"
	cases := []struct{ input string }{
		{"client-bytes-lf-dot-crlf.bin"},
		{"client-bytes-lf-dot-lf.bin"},
		{"client-bytes-cr-dot-cr.bin"},
	}
	for _, tc := range cases {
		t.Run(tc.input, func(t *testing.T) {
			srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
			c, _ := dial(t, srv.addr)
			c.write(readCase(t, dir, tc.input))
			got := c.replies()

			// EHLO, MAIL, RCPT, DATA, one final reply, QUIT: the smuggled
			// MAIL, RCPT and DATA are content, not commands.
			checkCodes(t, got, []int{250, 250, 250, 354, 550, 221})
			if e := got[4].enhanced(); e != "5.6.0" {
				t.Errorf("final reply %v: got enhanced code %s, want 5.6.0", got[4], e)
			}
			if _, stored, _ := srv.backend.counts(); stored != 0 {
				t.Errorf("stored %d messages, want none", stored)
			}
		})
	}
}

func TestRCPT_AddressForms(t *testing.T) {
	const dir = "005-rcpt-address-syntax"
	backend := newFakeBackend(
		`"first last"@example.test`, `"a@b"@example.test`, "carol@example.test",
		"eve@example.test", "reset-confirmation-0123456789abcdef0123456789abcdef0123456789abcdef-tail@example.test",
		"postmaster@"+testHost,
	)
	srv := startServer(t, Config{}, backend)
	c, _ := dial(t, srv.addr)
	got := runDialogue(t, c, dir, false)

	// EHLO, MAIL, nine RCPT, DATA, end of data, QUIT.
	checkCodes(t, got, []int{250, 250, 250, 250, 550, 250, 501, 501, 250, 250, 250, 354, 250, 221})
	msgs := backend.messages()
	if len(msgs) != 1 {
		t.Fatalf("stored %d messages, want 1", len(msgs))
	}
	env := msgs[0].Envelope
	if env.From != `"sender name"@sender.example.test` {
		t.Errorf("from = %s, want the quoted form", env.From)
	}

	want := []struct{ address, original string }{
		{`"first last"@example.test`, `"first last"@example.test`},
		{`"a@b"@example.test`, `"a@b"@example.test`},
		{"carol@example.test", "carol@example.test"},
		{"eve@example.test", "eve+news@example.test"},
		{"reset-confirmation-0123456789abcdef0123456789abcdef0123456789abcdef-tail@example.test", "reset-confirmation-0123456789abcdef0123456789abcdef0123456789abcdef-tail@example.test"},
		{"postmaster@" + testHost, "postmaster@" + testHost},
	}
	if len(env.Recipients) != len(want) {
		t.Fatalf("recipients = %+v, want %d", env.Recipients, len(want))
	}
	for i, w := range want {
		r := env.Recipients[i]
		if r.Address.String() != w.address || r.Original != w.original {
			t.Errorf("recipient %d = %s (%s), want %s (%s)", i+1, r.Address, r.Original, w.address, w.original)
		}
	}
	for _, a := range backend.checkedAddresses() {
		if a.Domain != "example.test" && a.Domain != testHost {
			t.Errorf("checked a recipient at %q, want only example.test and the host", a.Domain)
		}
		if a.Local == "dave" || a.Local == "dave." {
			t.Errorf("checked %s, want dave.@ refused before any lookup", a)
		}
	}
}

func TestMAIL_NullReversePath(t *testing.T) {
	const dir = "006-null-reverse-path"
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c, _ := dial(t, srv.addr)
	got := runDialogue(t, c, dir, false)

	// EHLO, MAIL <>, RCPT, DATA, end of data, MAIL <> SIZE=512, RCPT <>,
	// RSET, QUIT.
	checkCodes(t, got, []int{250, 250, 250, 354, 250, 250, 501, 250, 221})
	msgs := srv.backend.inbox("bob@example.test")
	if len(msgs) != 1 {
		t.Fatalf("bob has %d messages, want 1", len(msgs))
	}
	if from := msgs[0].Envelope.From; from != "" {
		t.Errorf("envelope sender = %q, want the empty string", from)
	}
	if !bytes.Contains(msgs[0].Content, []byte("From: Mail Delivery System <mailer-daemon@sender.example.test>\r\n")) {
		t.Errorf("content lacks the bounce's From header:\n%s", msgs[0].Content)
	}
}

func TestRCPT_RecipientLimitIsTemporary(t *testing.T) {
	const dir = "007-too-many-recipients-452"
	backend := newFakeBackend()
	for i := 1; i <= 101; i++ {
		backend.addInbox(userAddress(i))
	}
	srv := startServer(t, Config{MaxRecipients: 100}, backend)
	c, _ := dial(t, srv.addr)
	got := runDialogue(t, c, dir, true)

	want := []int{250, 250}
	for range 100 {
		want = append(want, 250)
	}
	want = append(want, 452, 354, 250)
	checkCodes(t, got, want)
	if e := got[102].enhanced(); e != "4.5.3" {
		t.Errorf("RCPT 101: got enhanced code %s, want 4.5.3", e)
	}
	for i := 1; i <= 100; i++ {
		if n := len(backend.inbox(userAddress(i))); n != 1 {
			t.Errorf("%s has %d messages, want 1", userAddress(i), n)
		}
	}
	if n := len(backend.inbox(userAddress(101))); n != 0 {
		t.Errorf("%s has %d messages, want none", userAddress(101), n)
	}

	// The refused recipient goes through in its own transaction.
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<"+userAddress(101)+">", 250)
	if r := c.sendData([]byte(simpleMessage)); r.Code != 250 {
		t.Fatalf("retry for user101: got %v, want 250", r)
	}
	if n := len(backend.inbox(userAddress(101))); n != 1 {
		t.Errorf("%s has %d messages after the retry, want 1", userAddress(101), n)
	}
}

func userAddress(i int) string {
	return "user" + string([]byte{byte('0' + i/100), byte('0' + i/10%10), byte('0' + i%10)}) + "@example.test"
}

func TestRCPT_UTF8AndLetterCase(t *testing.T) {
	const dir = "009-smtputf8-and-address-case"
	backend := newFakeBackend("zoë@example.test", "bob.box@example.test")
	srv := startServer(t, Config{}, backend)
	c, _ := dial(t, srv.addr)
	got := runDialogue(t, c, dir, false)

	// EHLO, MAIL SMTPUTF8, two RCPT, DATA, end; MAIL, RCPT without
	// SMTPUTF8, RSET; MAIL, RCPT, DATA, end; QUIT.
	checkCodes(t, got, []int{250, 250, 250, 250, 354, 250, 250, 250, 250, 250, 250, 354, 250, 221})
	for _, ext := range []string{"SMTPUTF8", "8BITMIME"} {
		if !strings.Contains(got[0].String(), ext) {
			t.Errorf("EHLO reply %v lacks %s", got[0], ext)
		}
	}

	zoe := backend.inbox("zo\u00eb@example.test")
	if len(zoe) != 1 {
		t.Fatalf("zoë has %d messages, want 1", len(zoe))
	}
	if local := zoe[0].Envelope.Recipients[0].Address.Local; !bytes.Equal([]byte(local), []byte{0x7a, 0x6f, 0xc3, 0xab}) {
		t.Errorf("local part bytes = % x, want 7a 6f c3 ab", local)
	}
	if !bytes.Contains(zoe[0].Content, []byte("Subject: Grüße mit UTF-8 Kopfzeilen\r\n")) {
		t.Errorf("content lacks the UTF-8 subject:\n%s", zoe[0].Content)
	}

	bob := backend.inbox("bob.box@example.test")
	if len(bob) != 2 {
		t.Fatalf("bob.box has %d messages, want both", len(bob))
	}
	if orig := bob[0].Envelope.Recipients[1].Original; orig != "Bob.Box@EXAMPLE.TEST" {
		t.Errorf("original recipient = %q, want it as the sender wrote it", orig)
	}
	for _, a := range backend.checkedAddresses() {
		if a.Local == "Bob.Box" || a.Domain == "EXAMPLE.TEST" {
			t.Errorf("checked %s, want only the lower-case form", a)
		}
	}
}

func TestDATA_LongLines(t *testing.T) {
	const dir = "010-long-line-in-data"
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c, _ := dial(t, srv.addr)
	got := runDialogue(t, c, dir, false)

	// EHLO; MAIL, RCPT, DATA, end for the 1500-octet line; the same for
	// the 100000-octet line, over the 64 KiB limit; QUIT.
	checkCodes(t, got, []int{250, 250, 250, 354, 250, 250, 250, 354, 500, 221})
	if e := got[8].enhanced(); e != "5.5.6" {
		t.Errorf("long line reply %v: got enhanced code %s, want 5.5.6", got[8], e)
	}
	msgs := srv.backend.messages()
	if len(msgs) != 1 {
		t.Fatalf("stored %d messages, want only the first", len(msgs))
	}
	want := readCase(t, dir, "message-1500-octet-line.eml")
	if !bytes.Equal(msgs[0].Content, want) {
		t.Errorf("stored content differs from the message file (%d octets, want %d)", len(msgs[0].Content), len(want))
	}

	next := dialReady(t, srv.addr)
	next.expect("NOOP", 250)
}
