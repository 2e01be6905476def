package mime

import (
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// charsetCase is text in a script that a charset covers, and the encoder
// that produces its bytes. Every label must decode those bytes back to text.
type charsetCase struct {
	label   string
	encoder encoding.Encoding
	text    string
}

func charsetCases() []charsetCase {
	const (
		cyrillicText = "Привет, мир"
		japaneseText = "日本語のメール、テスト"
		koreanText   = "한국어 메일 시험"
		chineseText  = "中文邮件测试"
		taiwanText   = "繁體中文郵件"
	)
	return []charsetCase{
		{"UTF-8", unicode.UTF8, "Grüße 👋 " + japaneseText},
		{"ISO-8859-1", charmap.ISO8859_1, "Café au lait, ½ prix"},
		{"ISO-8859-2", charmap.ISO8859_2, "Zażółć gęślą jaźń"},
		{"ISO-8859-3", charmap.ISO8859_3, "Ħabib ġie ż-żmien"},
		{"ISO-8859-4", charmap.ISO8859_4, "Ŗīga ķēde ņ"},
		{"ISO-8859-5", charmap.ISO8859_5, cyrillicText},
		{"ISO-8859-6", charmap.ISO8859_6, "مرحبا بالعالم"},
		{"ISO-8859-7", charmap.ISO8859_7, "Γειά σου κόσμε"},
		{"ISO-8859-8", charmap.ISO8859_8, "שלום עולם"},
		{"ISO-8859-9", charmap.ISO8859_9, "Türkçe ığş İ"},
		{"ISO-8859-10", charmap.ISO8859_10, "Þór ŋ ĸ ð"},
		{"ISO-8859-11", charmap.Windows874, "สวัสดีชาวโลก"},
		{"ISO-8859-13", charmap.ISO8859_13, "Łódź ų ė „x“"},
		{"ISO-8859-14", charmap.ISO8859_14, "Ŵyŵ ẁ ŷ"},
		{"ISO-8859-15", charmap.ISO8859_15, "Prix 5 € œuvre Ÿ"},
		{"ISO-8859-16", charmap.ISO8859_16, "Școală țară €"},
		{"windows-1250", charmap.Windows1250, "Příliš žluťoučký kůň „x“"},
		{"windows-1251", charmap.Windows1251, cyrillicText + " № „x“"},
		{"windows-1252", charmap.Windows1252, "It’s “quoted” – 5 €"},
		{"windows-1253", charmap.Windows1253, "Γειά σου € ‰"},
		{"windows-1254", charmap.Windows1254, "Türkçe ığş €"},
		{"windows-1255", charmap.Windows1255, "שלום € ₪"},
		{"windows-1256", charmap.Windows1256, "مرحبا € پ"},
		{"windows-1257", charmap.Windows1257, "Rīga ų € „x“"},
		{"windows-1258", charmap.Windows1258, "Đưa đơn ₫ €"},
		{"KOI8-R", charmap.KOI8R, cyrillicText},
		{"KOI8-U", charmap.KOI8U, "Привіт, ґанок, їжак"},
		{"Shift_JIS", japanese.ShiftJIS, japaneseText},
		{"ISO-2022-JP", japanese.ISO2022JP, japaneseText},
		{"EUC-JP", japanese.EUCJP, japaneseText},
		{"EUC-KR", korean.EUCKR, koreanText},
		{"GB2312", simplifiedchinese.GBK, chineseText},
		{"GBK", simplifiedchinese.GBK, chineseText},
		{"GB18030", simplifiedchinese.GB18030, chineseText + " €"},
		{"Big5", traditionalchinese.Big5, taiwanText},

		// Aliases that mailers write.
		{"latin1", charmap.ISO8859_1, "Café"},
		{"iso_8859-1", charmap.ISO8859_1, "Café"},
		{"l2", charmap.ISO8859_2, "Zażółć"},
		{"iso8859-15", charmap.ISO8859_15, "5 €"},
		{"cp1252", charmap.Windows1252, "It’s 5 €"},
		{"cp-1250", charmap.Windows1250, "Příliš"},
		{"win-1251", charmap.Windows1251, cyrillicText},
		{"x-sjis", japanese.ShiftJIS, japaneseText},
		{"sjis", japanese.ShiftJIS, japaneseText},
		{"windows-31j", japanese.ShiftJIS, japaneseText},
		{"cp932", japanese.ShiftJIS, japaneseText},
		{"csISO2022JP", japanese.ISO2022JP, japaneseText},
		{"x-euc-jp", japanese.EUCJP, japaneseText},
		{"ks_c_5601-1987", korean.EUCKR, koreanText},
		{"cp949", korean.EUCKR, koreanText},
		{"gb_2312-80", simplifiedchinese.GBK, chineseText},
		{"x-gbk", simplifiedchinese.GBK, chineseText},
		{"euc-cn", simplifiedchinese.GBK, chineseText},
		{"cp936", simplifiedchinese.GBK, chineseText},
		{"big5-hkscs", traditionalchinese.Big5, taiwanText},
		{"x-mac-cyrillic", charmap.MacintoshCyrillic, cyrillicText},
		{"ibm866", charmap.CodePage866, cyrillicText},
		{"cp850", charmap.CodePage850, "Café Grüße"},
	}
}

func encodeText(t *testing.T, c charsetCase) []byte {
	t.Helper()
	encoded, err := c.encoder.NewEncoder().String(c.text)
	if err != nil {
		t.Fatalf("encode %q as %s: %v", c.text, c.label, err)
	}
	if c.label != "UTF-8" && encoded == c.text {
		t.Fatalf("encode %q as %s: got the UTF-8 bytes, want another encoding", c.text, c.label)
	}
	return []byte(encoded)
}

func TestDecodeCharset_Labels(t *testing.T) {
	for _, c := range charsetCases() {
		t.Run(c.label, func(t *testing.T) {
			if got := decodeCharset(c.label, encodeText(t, c)); got != c.text {
				t.Errorf("got %q, want %q", got, c.text)
			}
		})
	}
}

func TestParse_CharsetsInBodies(t *testing.T) {
	for _, c := range charsetCases() {
		encoded := encodeText(t, c)
		var qp strings.Builder
		w := quotedprintable.NewWriter(&qp)
		_, _ = w.Write(encoded)
		_ = w.Close()

		bodies := []struct{ encoding, body string }{
			{"8bit", string(encoded)},
			{"base64", base64.StdEncoding.EncodeToString(encoded)},
			{"quoted-printable", qp.String()},
		}
		for _, b := range bodies {
			t.Run(c.label+"/"+b.encoding, func(t *testing.T) {
				raw := "Content-Type: multipart/alternative; boundary=b\r\n\r\n" +
					"--b\r\nContent-Type: text/plain; charset=" + c.label + "\r\n" +
					"Content-Transfer-Encoding: " + b.encoding + "\r\n\r\n" + b.body + "\r\n" +
					"--b\r\nContent-Type: text/html; charset=\"" + c.label + "\"\r\n" +
					"Content-Transfer-Encoding: " + b.encoding + "\r\n\r\n" + b.body + "\r\n--b--\r\n"
				msg, err := Parse([]byte(raw))
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				assertEqual(t, "text", msg.Text, c.text)
				assertEqual(t, "HTML", msg.HTML, htmlEscaped(c.text))
			})
		}
	}
}

func TestParse_CharsetsInEncodedWords(t *testing.T) {
	for _, c := range charsetCases() {
		encoded := encodeText(t, c)
		var q strings.Builder
		for _, b := range encoded {
			fmt.Fprintf(&q, "=%02X", b)
		}
		words := map[string]string{
			"B": "=?" + c.label + "?B?" + base64.StdEncoding.EncodeToString(encoded) + "?=",
			"Q": "=?" + c.label + "?Q?" + q.String() + "?=",
		}
		for name, word := range words {
			t.Run(c.label+"/"+name, func(t *testing.T) {
				raw := "From: " + word + " <sender@example.test>\r\nSubject: " + word + "\r\n\r\nbody\r\n"
				msg, err := Parse([]byte(raw))
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				assertEqual(t, "subject", msg.Headers.Subject, c.text)
				assertEqual(t, "sender name", msg.Headers.FromName, c.text)
				assertEqual(t, "summary subject", Summarize([]byte(raw)).Subject, c.text)
			})
		}
	}
}

func TestParse_HTMLCharsetFromMetaElement(t *testing.T) {
	c := charsetCase{"windows-1251", charmap.Windows1251, "Привет"}
	html := `<html><head><meta charset="windows-1251"></head><body><p>` + string(encodeText(t, c)) + `</p></body></html>`
	raw := "Content-Type: text/html\r\n\r\n" + html

	msg, err := Parse([]byte(raw))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	assertContains(t, "HTML", msg.HTML, "<p>Привет</p>")
}

// htmlEscaped is text as SanitizeHTML writes it: its characters stay, and
// the ones that HTML escapes are escaped.
func htmlEscaped(text string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(text)
}
