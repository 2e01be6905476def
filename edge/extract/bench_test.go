package extract_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mayfly-mail/mayfly/edge/extract"
	"github.com/mayfly-mail/mayfly/edge/mime"
)

// benchmarkHTMLSize is the size of the HTML body of the benchmark mail.
const benchmarkHTMLSize = 100 << 10

// newsletterMail returns an HTML-only message of about 100 KiB shaped
// like a marketing mail with a sign-up confirmation at the end. Its
// product rows are full of prices, dates, order numbers and click-tracking
// links. At the end come a code written one digit per table cell and a
// wrapped button.
func newsletterMail() []byte {
	var html strings.Builder
	html.WriteString("<html><head><style>td{font-family:Arial}</style></head><body><table width=\"600\">\n")
	for i := 0; html.Len() < benchmarkHTMLSize-2048; i++ {
		fmt.Fprintf(&html, `<tr><td><img src="cid:p%d@example.net" alt=""></td>
<td><h3>Product %d</h3><p>Order before 2026-12-%02d and pay only $%d.99 instead of €%d,00.
Article no. %d, call 0800 555 %04d for advice. Promo code SAVE%d.</p>
<a href="https://click.shop-mail.example.net/ls/click?upn=%x&amp;url=https%%3A%%2F%%2Fshop.example.org%%2Fp%%2F%d">View product</a>
<a href="https://click.shop-mail.example.net/ls/click?upn=%x&amp;url=https%%3A%%2F%%2Fwww.facebook.com%%2Fshop">Share</a></td></tr>
`, i, i, i%28+1, 10+i%90, 12+i%80, 100000+i, i%10000, i%100, i*7919, i, i*104729)
	}
	html.WriteString(`<tr><td colspan="2"><p>Your verification code:</p>
<table><tr><td>4</td><td>8</td><td>2</td><td>9</td><td>1</td><td>3</td></tr></table>
<a href="https://click.shop-mail.example.net/ls/click?upn=ff&amp;url=https%3A%2F%2Fshop.example.org%2Faccount%2Fconfirm%3Ft%3D7Hq2LmW9xC4v">Confirm your email</a>
<p><a href="https://shop.example.org/unsubscribe">Unsubscribe</a> <a href="https://shop.example.org/privacy">Privacy</a></p>
</td></tr></table></body></html>
`)

	var raw strings.Builder
	raw.WriteString("From: Shop <news@shop.example.org>\r\nTo: qa@mayfly.test\r\nSubject: Confirm your email and see this week's deals\r\n")
	raw.WriteString("MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	raw.WriteString(html.String())
	return []byte(raw.String())
}

func parsedNewsletter(b *testing.B) *mime.Message {
	b.Helper()
	m, err := mime.Parse(newsletterMail())
	if err != nil {
		b.Fatal(err)
	}
	codes := extract.Codes(m.Headers.Subject, m.Text, m.HTML)
	if len(codes) != 1 || codes[0].Value != "482913" {
		b.Fatalf("got codes %v, want [482913]", codes)
	}
	return m
}

// BenchmarkCodes measures Codes on the subject, text and HTML bodies of a
// parsed 100 KiB HTML mail, as the message detail endpoint calls it.
func BenchmarkCodes(b *testing.B) {
	m := parsedNewsletter(b)
	b.SetBytes(int64(len(m.Text) + len(m.HTML)))
	b.ReportAllocs()
	for b.Loop() {
		extract.Codes(m.Headers.Subject, m.Text, m.HTML)
	}
}

// BenchmarkLinks measures Links on the same message.
func BenchmarkLinks(b *testing.B) {
	m := parsedNewsletter(b)
	const want = "https://click.shop-mail.example.net/ls/click?upn=ff&url=https%3A%2F%2Fshop.example.org%2Faccount%2Fconfirm%3Ft%3D7Hq2LmW9xC4v"
	if got := firstVerificationLink(extract.Links(m.Text, m.HTML)); got != want {
		b.Fatalf("got first verification link %q, want %q", got, want)
	}
	b.SetBytes(int64(len(m.Text) + len(m.HTML)))
	b.ReportAllocs()
	for b.Loop() {
		extract.Links(m.Text, m.HTML)
	}
}
