package mime

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDecodeHeaderText_EncodedWordVariants(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  string
	}{
		{"plain ASCII", "Hello world", "Hello world"},
		{"Q encoding", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", "Grüße"},
		{"lower-case Q and charset", "=?utf-8?q?gr=c3=bc=c3=9fe_aus_K=C3=B6ln?=", "grüße aus Köln"},
		{"B encoding", "=?UTF-8?B?R3LDvMOfZSDwn5GL?=", "Grüße 👋"},
		{"lower-case b", "=?utf-8?b?R3LDvMOfZQ==?=", "Grüße"},
		{"space between words dropped", "=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"},
		{"folded white space between words dropped", "=?UTF-8?Q?a?=\r\n\t =?UTF-8?Q?b?=", "ab"},
		{"space before plain text kept", "=?UTF-8?Q?a?= b", "a b"},
		{"text before a word kept", "Re: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", "Re: Grüße"},
		{"character split across B words", "=?UTF-8?B?R3LD?= =?UTF-8?B?vMOfZQ==?=", "Grüße"},
		{"character split across Q words", "=?UTF-8?Q?Gr=C3?= =?UTF-8?Q?=BC?=", "Grü"},
		{"padded words decoded one by one", "=?UTF-8?B?YQ==?= =?UTF-8?B?Yg==?=", "ab"},
		{"different charsets", "=?ISO-8859-1?Q?caf=E9?= =?UTF-8?Q?=E2=82=AC?=", "café€"},
		{"unknown charset left readable", "=?x-unknown?Q?hello_world?=", "hello world"},
		{"unknown charset with 8-bit bytes", "=?x-unknown?Q?caf=E9?=", "caf\uFFFD"},
		{"language suffix", "=?UTF-8*en?Q?hello?=", "hello"},
		{"invalid base64 kept literally", "=?UTF-8?B?!!!?=", "=?UTF-8?B?!!!?="},
		{"raw UTF-8", "Grüße", "Grüße"},
		{"raw Latin-1 bytes", "caf\xe9", "café"},
		{"ISO-2022-JP words", "=?ISO-2022-JP?B?GyRCOzNFRBsoQiAbJEIyVjtSGyhC?=", "山田 花子"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeHeaderText(tt.value); got != tt.want {
				t.Errorf("decodeHeaderText(%q): got %q, want %q", tt.value, got, tt.want)
			}
		})
	}
}

func TestCleanHeaderText_RemovesControlCharacters(t *testing.T) {
	tests := []struct {
		value string
		want  string
	}{
		{"Your gift voucher\n", "Your gift voucher"},
		{"a\x00b\x1bc", "a b c"},
		{"tab\there", "tab here"},
		{"c1\u0085control", "c1 control"},
	}
	for _, tt := range tests {
		if got := cleanHeaderText(tt.value); got != tt.want {
			t.Errorf("cleanHeaderText(%q): got %q, want %q", tt.value, got, tt.want)
		}
	}
}

func TestDecodeQuotedPrintable_Lenient(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"soft line break", "long=\r\n line", "long line"},
		{"soft break after spaces keeps them", "a   =\r\nb", "a   b"},
		{"trailing white space dropped", "a  \r\nb", "a\r\nb"},
		{"lower-case hex", "caf=e9", "caf\xe9"},
		{"invalid escape kept", "a=b,b", "a=b,b"},
		{"escape decoded once", "id=3D40", "id=40"},
		{"encoded trailing space", "x=20\r\ny", "x \r\ny"},
		{"raw 8-bit byte", "it\x92s", "it\x92s"},
		{"equals at end of input", "end=", "end"},
		{"truncated escape", "a=4", "a=4"},
		{"LF line endings", "a=\nb\nc", "ab\r\nc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeQuotedPrintable([]byte(tt.in)); string(got) != tt.want {
				t.Errorf("decodeQuotedPrintable(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeBase64_Lenient(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"wrapped lines", "SGVs\r\nbG8=\r\n", "Hello"},
		{"missing padding", "SGVsbG8", "Hello"},
		{"stray characters skipped", "PGh0*bWw+Cg==", "<html>\n"},
		{"indented continuation", "  SGVs\r\n  bG8=", "Hello"},
		{"concatenated padded chunks", "YQ==Yg==", "ab"},
		{"single leftover sextet dropped", "YWJjZ", "abc"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeBase64([]byte(tt.in)); string(got) != tt.want {
				t.Errorf("decodeBase64(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeTextTransfer_PlainTextLabelledBase64(t *testing.T) {
	body := []byte("hello there  friend\r\nthis is not base64\r\n")
	if got := decodeTextTransfer("base64", body); !bytes.Equal(got, body) {
		t.Errorf("got %q, want the body unchanged", got)
	}
	if got := decodeTextTransfer("base64", []byte("SGVsbG8=\r\n")); string(got) != "Hello" {
		t.Errorf("got %q, want %q", got, "Hello")
	}
}

func TestDecodeCharset_NeverFails(t *testing.T) {
	tests := []struct {
		name  string
		label string
		in    string
		want  string
	}{
		{"undeclared UTF-8", "", "Grüße", "Grüße"},
		{"undeclared 8-bit", "", "caf\xe9", "café"},
		{"UTF-8 with invalid bytes", "utf-8", "a\xffb", "a\uFFFDb"},
		{"us-ascii with UTF-8 bytes", "us-ascii", "Köln", "Köln"},
		{"Windows-1252 quote", "windows-1252", "it\x92s", "it’s"},
		{"ISO-8859-1 read as Windows-1252", "ISO-8859-1", "it\x92s caf\xe9", "it’s café"},
		{"quoted label", `"utf-8"`, "ok", "ok"},
		{"ISO-8859-15 euro", "iso-8859-15", "\xa4", "€"},
		{"KOI8-R", "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет"},
		{"Shift_JIS", "shift_jis", "\x93\xfa\x96\x7b", "日本"},
		{"unknown charset keeps bytes", "x-no-such-charset", "plain \xff", "plain \uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeCharset(tt.label, []byte(tt.in)); got != tt.want {
				t.Errorf("decodeCharset(%q, %q): got %q, want %q", tt.label, tt.in, got, tt.want)
			}
		})
	}
}

// splitAndJoin runs in through a lineSplitter, in writes of chunk bytes,
// and joins the lines it emits with CRLF.
func splitAndJoin(in []byte, chunk int) string {
	var out []byte
	s := lineSplitter{emit: func(seg lineSegment) {
		out = append(out, seg.data...)
		if seg.end && seg.broken {
			out = append(out, '\r', '\n')
		}
	}}
	for len(in) > 0 {
		n := min(chunk, len(in))
		s.write(in[:n])
		in = in[n:]
	}
	s.finish()
	return string(out)
}

func TestLineSplitter_AllFormsBecomeCRLF(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"CRLF unchanged", "a\r\nb\r\n", "a\r\nb\r\n"},
		{"bare LF", "a\nb\n", "a\r\nb\r\n"},
		{"CR CR LF", "a\r\r\nb\r\r\n", "a\r\nb\r\n"},
		{"mixed", "a\nb\r\nc\r\r\n", "a\r\nb\r\nc\r\n"},
		{"lone CR inside a line kept", "a\rb\nc", "a\rb\r\nc"},
		{"CR only message", "a\rb\r", "a\r\nb\r\n"},
		{"LF decides over CR", "a\rb\r\nc\n", "a\rb\r\nc\r\n"},
		{"CR run kept inside a line", "a\r\r\rb\r\n", "a\r\r\rb\r\n"},
		{"CRs at the end kept", "a\nb\r\r", "a\r\nb\r\r"},
		{"no line break at the end", "a\r\nb", "a\r\nb"},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 2, 3, len(tt.in)} {
			t.Run(fmt.Sprintf("%s/writes of %d", tt.name, chunk), func(t *testing.T) {
				if got := splitAndJoin([]byte(tt.in), chunk); got != tt.want {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			})
		}
	}
}

func TestLineSplitter_CREndingsDecidedOnFirstLines(t *testing.T) {
	long := strings.Repeat("x", maxLineBytes)
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"CR only start, LF later", "a\r" + long + "\rb\r\nc\nd", "a\r\n" + long + "\r\nb\r\nc\r\nd"},
		{"LF within the probe", "a\r" + "b\n" + long, "a\rb\r\n" + long},
		{"no CR and no LF", long + long, long + long},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1000, len(tt.in)} {
			t.Run(fmt.Sprintf("%s/writes of %d", tt.name, chunk), func(t *testing.T) {
				if got := splitAndJoin([]byte(tt.in), chunk); got != tt.want {
					t.Errorf("got %d bytes %q..., want %d bytes %q...", len(got), got[:min(len(got), 20)], len(tt.want), tt.want[:20])
				}
			})
		}
	}
}

func TestLineSplitter_LongLinesComeInSegments(t *testing.T) {
	in := strings.Repeat("y", 2*maxLineBytes+5) + "\r\nshort\r\n"
	var segments []lineSegment
	s := lineSplitter{emit: func(seg lineSegment) {
		seg.data = bytes.Clone(seg.data)
		segments = append(segments, seg)
	}}
	s.write([]byte(in))
	s.finish()

	want := []lineSegment{
		{data: []byte(strings.Repeat("y", maxLineBytes)), start: true},
		{data: []byte(strings.Repeat("y", maxLineBytes))},
		{data: []byte("yyyyy"), end: true, broken: true},
		{data: []byte("short"), start: true, end: true, broken: true},
	}
	if len(segments) != len(want) {
		t.Fatalf("segments: got %d, want %d", len(segments), len(want))
	}
	for i, w := range want {
		got := segments[i]
		if !bytes.Equal(got.data, w.data) || got.start != w.start || got.end != w.end || got.broken != w.broken {
			t.Errorf("segment %d: got %d bytes start=%t end=%t broken=%t, want %d bytes start=%t end=%t broken=%t",
				i, len(got.data), got.start, got.end, got.broken, len(w.data), w.start, w.end, w.broken)
		}
	}
}

func TestParseHeaderParams_Lenient(t *testing.T) {
	tests := []struct {
		name       string
		value      string
		wantValue  string
		wantParams map[string]string
	}{
		{"strict", `text/plain; charset="utf-8"`, "text/plain", map[string]string{"charset": "utf-8"}},
		{"upper case", `TEXT/HTML; CHARSET=UTF-8`, "text/html", map[string]string{"charset": "UTF-8"}},
		{"missing semicolon", `application/pdf name="a.pdf"`, "application/pdf", map[string]string{"name": "a.pdf"}},
		{"duplicate parameter", `application/pdf; name="a.pdf"; name="b.pdf"`, "application/pdf", map[string]string{"name": "a.pdf"}},
		{"unquoted specials", `application/pdf; name=Invoice_(1).pdf`, "application/pdf", map[string]string{"name": "Invoice_(1).pdf"}},
		{"raw UTF-8 value", "application/msword;\tname=管理.doc", "application/msword", map[string]string{"name": "管理.doc"}},
		{"RFC 2231 continuations", `attachment; filename*0*=utf-8''a%20b; filename*1="c.txt"`, "attachment", map[string]string{"filename": "a bc.txt"}},
		{"RFC 2047 in quotes", `text/csv; name="=?UTF-8?B?w5xiZXJzaWNodC5jc3Y=?="`, "text/csv", map[string]string{"name": "Übersicht.csv"}},
		{"lenient RFC 2231 value", `application/pdf name*=utf-8''%C3%BC.pdf`, "application/pdf", map[string]string{"name": "ü.pdf"}},
		{"escaped quote", `attachment; filename="a\"b.txt"; x`, "attachment", map[string]string{"filename": `a"b.txt`}},
		{"empty", ``, "", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			value, params := parseHeaderParams(tt.value)
			if value != tt.wantValue {
				t.Errorf("value: got %q, want %q", value, tt.wantValue)
			}
			if len(params) != len(tt.wantParams) {
				t.Errorf("params: got %v, want %v", params, tt.wantParams)
			}
			for k, want := range tt.wantParams {
				if params[k] != want {
					t.Errorf("param %s: got %q, want %q", k, params[k], want)
				}
			}
		})
	}
}

func TestSanitizeFilename_StripsPathsAndControls(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"report.pdf", "report.pdf"},
		{"../../notes€.txt", "notes€.txt"},
		{`C:\Users\x\evil.exe`, "evil.exe"},
		{"a\r\nb.txt", "ab.txt"},
		{"..", ""},
		{".hidden", "hidden"},
		{"  spaced.txt  ", "spaced.txt"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"dir/", ""},
	}
	for _, tt := range tests {
		if got := sanitizeFilename(tt.in); got != tt.want {
			t.Errorf("sanitizeFilename(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSanitizeFilename_TruncatesLongNames(t *testing.T) {
	name := string(bytes.Repeat([]byte("ü"), 300)) + ".pdf"
	got := sanitizeFilename(name)
	if len(got) > maxFilenameBytes {
		t.Errorf("length: got %d bytes, want at most %d", len(got), maxFilenameBytes)
	}
	if !bytes.HasSuffix([]byte(got), []byte("ü.pdf")) {
		t.Errorf("got %q, want whole runes and the .pdf extension", got[len(got)-10:])
	}
}

func TestParseDate_Formats(t *testing.T) {
	want := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Time
	}{
		{"Mon, 06 Jan 2025 10:00:00 +0000", want},
		{"6 Jan 2025 10:00:00 +0000 (UTC)", want},
		{"Mon, 6 Jan 2025 10:00:00 GMT", want},
		{"2025-01-06T10:00:00Z", want},
		{"Mon Jan  6 10:00:00 2025", want},
		{"", time.Time{}},
		{"yesterday", time.Time{}},
	}
	for _, tt := range tests {
		got := parseDate(tt.value)
		if !got.Equal(tt.want) {
			t.Errorf("parseDate(%q): got %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestFormatAddressList_DisplayForms(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  string
	}{
		{"name and address", "Alice <alice@example.test>", "Alice <alice@example.test>"},
		{"bare address", "bob@example.test", "bob@example.test"},
		{"list", "Alice <alice@example.test>, bob@example.test", "Alice <alice@example.test>, bob@example.test"},
		{"encoded name", "=?UTF-8?Q?Zo=C3=AB?= <zoe@example.test>", "Zoë <zoe@example.test>"},
		{"encoded name in quotes", `"=?utf-8?B?Qm9iIEJveA==?=" <bob@example.test>`, "Bob Box <bob@example.test>"},
		{"unparseable kept as text", "Bob Dunite <bob@extern> Bobby <bobby@extern>", "Bob Dunite <bob@extern> Bobby <bobby@extern>"},
		{"group without members", "undisclosed-recipients:;", "undisclosed-recipients:;"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatAddressList(tt.value); got != tt.want {
				t.Errorf("formatAddressList(%q): got %q, want %q", tt.value, got, tt.want)
			}
		})
	}
}

func TestHTMLToText_Rendering(t *testing.T) {
	tests := []struct {
		name string
		html string
		want string
	}{
		{"paragraphs", "<p>One</p><p>Two</p>", "One\nTwo\n"},
		{"line break", "a<br>b", "a\nb\n"},
		{"collapsed white space", "<p>  a \n\t b  </p>", "a b\n"},
		{"inline elements keep spaces", "<b>bold</b> <i>italic</i>", "bold italic\n"},
		{"list", "<ul><li>x</li><li>y</li></ul>", "- x\n- y\n"},
		{"pre keeps layout", "<pre>a  b\n c</pre>", "a  b\n c\n"},
		{"script and style skipped", "<style>p{}</style><script>x()</script>ok", "ok\n"},
		{"entities decoded", "a &amp; b &lt;c&gt;", "a & b <c>\n"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.html); got != tt.want {
				t.Errorf("htmlToText(%q): got %q, want %q", tt.html, got, tt.want)
			}
		})
	}
}
