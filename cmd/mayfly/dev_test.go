package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

// multipartMessage builds a multipart/alternative message with a UTF-8
// subject, a text part, a hostile HTML part and a PDF attachment.
func multipartMessage(to string, pdf []byte) []byte {
	subject := "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("Grüße 👋")) + "?="
	var b strings.Builder
	fmt.Fprintf(&b, "From: Alice <alice@sender.example.test>\r\nTo: %s\r\nSubject: %s\r\n", to, subject)
	b.WriteString("Date: Fri, 04 Dec 2026 10:00:00 +0000\r\nMessage-ID: <e2e-1@sender.example.test>\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n")
	b.WriteString("--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n")
	b.WriteString("--inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString("Hallo, here is the report. Grüße!\r\n\r\n")
	b.WriteString("--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	b.WriteString(`<html><body><p onclick="steal()">Hallo <b>report</b></p>` +
		`<script>alert(1)</script><img src="http://tracker.example.net/pixel.gif" alt="pixel">` +
		`<a href="https://sender.example.test/read">read online</a></body></html>` + "\r\n\r\n")
	b.WriteString("--inner--\r\n\r\n")
	b.WriteString("--outer\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n")
	b.WriteString("Content-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(wrap64(pdf))
	b.WriteString("--outer--\r\n")
	return []byte(b.String())
}

// checkSanitizedHTML fails the test if the HTML holds a script element, an
// event-handler attribute or a URL that would load something remote.
func checkSanitizedHTML(t *testing.T, doc string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		tok := z.Token()
		if tok.Data == "script" {
			t.Errorf("sanitized HTML contains a script element: %s", doc)
		}
		for _, attr := range tok.Attr {
			if strings.HasPrefix(strings.ToLower(attr.Key), "on") {
				t.Errorf("sanitized HTML keeps the event handler %s=%q", attr.Key, attr.Val)
			}
			loads := attr.Key == "src" || attr.Key == "srcset" || attr.Key == "background" || attr.Key == "style"
			if loads && strings.Contains(strings.ToLower(attr.Val), "http") {
				t.Errorf("sanitized HTML loads a remote URL: %s=%q", attr.Key, attr.Val)
			}
		}
	}
}

func TestDev_DeliverAndReadMultipart(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	ctx := context.Background()
	inbox := newInbox(t, svc, apitypes.CreateInbox{})
	pdf := append([]byte("%PDF-1.4\n"), randomBytes(t, 3000)...)
	raw := multipartMessage(inbox.Address, pdf)

	if err := sendMail(t, svc.smtpAddr(), "alice@sender.example.test", []string{inbox.Address}, raw); err != nil {
		t.Fatalf("send mail: %v", err)
	}
	msgs := waitForMessages(t, svc, inbox.Token, 1)
	if msgs[0].Subject != "Grüße 👋" || !msgs[0].HasAttachments {
		t.Errorf("listing = %+v, want subject %q with attachments", msgs[0], "Grüße 👋")
	}

	msg, err := svc.edgeClient().Message(ctx, inbox.Token, msgs[0].ID)
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	if msg.Subject != "Grüße 👋" {
		t.Errorf("subject = %q, want %q", msg.Subject, "Grüße 👋")
	}
	if !strings.Contains(msg.Text, "Hallo, here is the report. Grüße!") {
		t.Errorf("text = %q, want the text part", msg.Text)
	}
	if !strings.Contains(msg.HTML, "report") {
		t.Errorf("html = %q, want the sanitized HTML part", msg.HTML)
	}
	checkSanitizedHTML(t, msg.HTML)
	if len(msg.Attachments) != 1 || msg.Attachments[0].Filename != "report.pdf" || msg.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("attachments = %+v, want report.pdf", msg.Attachments)
	}

	got, name, err := svc.edgeClient().Attachment(ctx, inbox.Token, msg.ID, msg.Attachments[0].Index)
	if err != nil {
		t.Fatalf("download attachment: %v", err)
	}
	if !bytes.Equal(got, pdf) || name != "report.pdf" {
		t.Errorf("attachment = %d bytes named %q, want the %d bytes sent as report.pdf", len(got), name, len(pdf))
	}

	rawGot, err := svc.edgeClient().Raw(ctx, inbox.Token, msg.ID)
	if err != nil {
		t.Fatalf("read raw: %v", err)
	}
	if !bytes.Equal(rawGot, raw) {
		t.Errorf("raw message differs from what was sent (%d bytes, want %d)", len(rawGot), len(raw))
	}
}

func TestDev_InlineImageServedFromMessage(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	ctx := context.Background()
	inbox := newInbox(t, svc, apitypes.CreateInbox{})
	png := append([]byte("\x89PNG\r\n\x1a\n"), randomBytes(t, 200)...)
	raw := []byte("From: a@sender.example.test\r\nTo: " + inbox.Address + "\r\nSubject: logo\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/related; boundary=\"rel\"\r\n\r\n" +
		"--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hi <img src=\"cid:logo@sender\" alt=\"logo\"></p>\r\n" +
		"--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@sender>\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		wrap64(png) + "--rel--\r\n")
	if err := sendMail(t, svc.smtpAddr(), "a@sender.example.test", []string{inbox.Address}, raw); err != nil {
		t.Fatal(err)
	}
	id := waitForMessages(t, svc, inbox.Token, 1)[0].ID
	msg, err := svc.edgeClient().Message(ctx, inbox.Token, id)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`src="/api/v1/inbox/messages/%s/attachments/0"`, id)
	if !strings.Contains(msg.HTML, want) || strings.Contains(msg.HTML, "cid:") {
		t.Fatalf("html = %s, want the inline image at %s", msg.HTML, want)
	}
	if len(msg.Attachments) != 1 || !msg.Attachments[0].Inline || msg.Attachments[0].ContentID != "logo@sender" {
		t.Errorf("attachments = %+v, want one inline image with its content id", msg.Attachments)
	}
	got, _, err := svc.edgeClient().Attachment(ctx, inbox.Token, id, 0)
	if err != nil || !bytes.Equal(got, png) {
		t.Errorf("inline image = %d bytes (%v), want the %d bytes sent", len(got), err, len(png))
	}
}
