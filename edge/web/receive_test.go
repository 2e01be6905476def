package web_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// onePixelPNG is a valid 1×1 PNG, for an inline cid: image.
const onePixelPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="

// wrap76 base64-encodes b in lines of 76 characters.
func wrap76(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s + "\r\n")
	return out.String()
}

// richMessage builds a message with a text and an HTML body, an inline
// image the HTML shows, and an attachment.
func richMessage(to, subject string, attachment []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Alice Sender <alice@sender.example.test>\r\nTo: %s\r\nSubject: %s\r\n", to, subject)
	b.WriteString("Date: Fri, 04 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"mixed\"\r\n\r\n")
	b.WriteString("--mixed\r\nContent-Type: multipart/related; boundary=\"related\"\r\n\r\n")
	b.WriteString("--related\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n")
	b.WriteString("--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString("Plain body marker. Your verification code is 482913.\r\nConfirm: https://sender.example.test/verify?t=abc\r\n")
	b.WriteString("--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	b.WriteString(`<p>HTML body <b>marker</b>. Your verification code is 482913.</p>` +
		`<p><a href="https://sender.example.test/verify?t=abc">Confirm your address</a></p>` +
		`<p><img src="cid:logo@sender.example.test" alt="logo"></p>` + "\r\n")
	b.WriteString("--alt--\r\n")
	b.WriteString("--related\r\nContent-Type: image/png\r\nContent-ID: <logo@sender.example.test>\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(onePixelPNG + "\r\n")
	b.WriteString("--related--\r\n")
	b.WriteString("--mixed\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(wrap76(attachment))
	b.WriteString("--mixed--\r\n")
	return b.Bytes()
}

func TestBrowser_ReceiveReadDownload(t *testing.T) {
	base, smtpAddr := startEdge(t)
	p := openPage(t, base)
	address := p.address()
	if !strings.HasSuffix(address, "@"+testDomain) {
		t.Fatalf("page shows address %q, want one at %s", address, testDomain)
	}

	// Marks that a reload would lose, and a record of layout shifts.
	eval[bool](p, `window.mayflyNoReload = true`)
	eval[bool](p, `window.mayflyShift = 0; new PerformanceObserver((list) => {
		for (const e of list.getEntries()) if (!e.hadRecentInput) window.mayflyShift += e.value;
	}).observe({type: 'layout-shift'}); true`)

	attachment := bytes.Repeat([]byte{0, 1, 2, 250, 251, 'm', 'a', 'y'}, 3000)
	sendMail(t, smtpAddr, address, richMessage(address, "Welcome aboard", attachment))
	sent := time.Now()
	p.waitFor(`document.querySelector('#message-list button.row[aria-label*="Welcome aboard"]')`, "the message in the list")
	t.Logf("the message showed in the list %v after the SMTP transaction ended", time.Since(sent).Round(time.Millisecond))

	if !eval[bool](p, `window.mayflyNoReload === true`) {
		t.Errorf("the page reloaded to show the message, want a live update")
	}
	row := `#message-list button.row`
	if got := p.text(row + " .from"); got != "Alice Sender <alice@sender.example.test>" {
		t.Errorf("row sender: got %q", got)
	}
	if got := p.text(row + " .subject"); got != "Welcome aboard" {
		t.Errorf("row subject: got %q", got)
	}
	if got := p.text(row + " .when"); got == "" {
		t.Errorf("row time: got nothing")
	}
	if !eval[bool](p, `document.querySelector('`+row+`').classList.contains('unread')`) {
		t.Errorf("a new message is not marked unread")
	}
	if !eval[bool](p, `document.querySelector('`+row+`').classList.contains('has-attachments')`) {
		t.Errorf("a message with an attachment has no attachment flag")
	}
	if shift := eval[float64](p, `window.mayflyShift`); shift != 0 {
		t.Errorf("arriving mail shifted the layout by %v, want 0", shift)
	}

	// Open it with the keyboard: focus the row and press Enter.
	p.do(chromedp.Focus(chromedp.CSS(row)), chromedp.KeyEvent("\r"))
	p.waitFor(`document.getElementById('reader-subject').textContent === 'Welcome aboard'`, "the reader")
	p.waitFor(`!document.querySelector('`+row+`').classList.contains('unread')`, "the message to be marked read")

	checkViews(t, p)
	checkChips(t, p)

	p.click(`#attachments button.attachment`)
	if got := p.waitForDownload("data.bin", len(attachment)); !bytes.Equal(got, attachment) {
		t.Errorf("downloaded %d bytes that differ from the %d sent", len(got), len(attachment))
	}

	p.checkNoCookiesNoOtherOrigins(nil)
}

// checkViews checks the HTML, text and source views of the open message.
func checkViews(t *testing.T, p *page) {
	t.Helper()
	p.waitFor(`document.getElementById('view-html').srcdoc.includes('marker')`, "the HTML view")
	if body := p.frameBodyText(); !strings.Contains(body, "HTML body marker") {
		t.Errorf("HTML view shows %q, want the HTML body", body)
	}
	frame := p.frameHTML()
	if !strings.Contains(frame, `src="data:image/png;base64,`) {
		t.Errorf("HTML view has no inline image as a data: URL: %s", frame)
	}
	if strings.Contains(frame, "/api/v1/") {
		t.Errorf("HTML view still points at the API: %s", frame)
	}

	p.click(`[data-view=text]`)
	p.waitFor(`!document.getElementById('view-text').hidden`, "the text view")
	if got := p.text("#view-text"); !strings.Contains(got, "Plain body marker") {
		t.Errorf("text view shows %q, want the text body", got)
	}

	p.click(`[data-view=source]`)
	p.waitFor(`document.getElementById('view-source').textContent.includes('Subject: Welcome aboard')`, "the source view")
	if got := p.text("#view-source"); !strings.Contains(got, "Content-Type: multipart/mixed") {
		t.Errorf("source view lacks the MIME header: %q", got[:min(len(got), 200)])
	}
	p.click(`[data-view=html]`)
}

// checkChips checks the copyable code and verification link.
func checkChips(t *testing.T, p *page) {
	t.Helper()
	if got := p.text("#chips .chip.code"); got != "482913" {
		t.Errorf("code chip: got %q, want 482913", got)
	}
	if got := eval[string](p, `document.querySelector('#chips .chip.link a').href`); got != "https://sender.example.test/verify?t=abc" {
		t.Errorf("link chip: got %q", got)
	}
	p.click(`#chips .chip.code`)
	p.waitFor(`document.getElementById('status').textContent === 'Code copied.'`, "the code to be copied")
	if got := eval[string](p, `navigator.clipboard.readText()`); got != "482913" {
		t.Errorf("clipboard after copying the code: got %q, want 482913", got)
	}
}
