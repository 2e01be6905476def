package extract

import (
	"strings"

	"golang.org/x/net/html"
)

// maxInput bounds how much of each body is searched, so that a huge
// message costs bounded time on every read.
const maxInput = 256 << 10

// htmlContent is the visible text and the anchors of an HTML body.
type htmlContent struct {
	// text is the visible text as a browser lays it out. Runs of white
	// space collapse to one space, block elements start a line, and table
	// cells are separated by a space, so that a code written one digit per
	// cell reads "1 2 3 4 5 6".
	text string
	// anchors are the links in document order.
	anchors []anchor
}

// anchor is one <a href> with its visible text.
type anchor struct {
	href string
	text string
}

// blockElements end a line of visible text.
var blockElements = map[string]bool{
	"p": true, "div": true, "br": true, "tr": true, "li": true, "ul": true,
	"ol": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true,
	"h6": true, "table": true, "section": true, "blockquote": true,
	"pre": true, "hr": true, "center": true, "article": true,
	"header": true, "footer": true,
}

// cellElements are separated from their neighbours by a space.
var cellElements = map[string]bool{"td": true, "th": true}

// hiddenElements hold no visible text.
var hiddenElements = map[string]bool{
	"script": true, "style": true, "head": true, "title": true,
	"template": true, "noscript": true,
}

// htmlText accumulates visible text with white space collapsed.
type htmlText struct {
	b         strings.Builder
	pendSpace bool
}

func (w *htmlText) text(s string) {
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			w.pendSpace = true
			continue
		}
		if w.pendSpace && w.b.Len() > 0 && !strings.HasSuffix(w.b.String(), "\n") {
			w.b.WriteByte(' ')
		}
		w.pendSpace = false
		w.b.WriteRune(r)
	}
}

func (w *htmlText) space() { w.pendSpace = true }

func (w *htmlText) lineBreak() {
	w.pendSpace = false
	if w.b.Len() > 0 && !strings.HasSuffix(w.b.String(), "\n") {
		w.b.WriteByte('\n')
	}
}

// parseHTML tokenizes body, which need not be well formed, and collects
// its visible text and anchors. Script, style and head content is skipped.
func parseHTML(body string) htmlContent {
	var (
		out     htmlContent
		text    htmlText
		skip    int
		current = -1 // index in out.anchors of the open <a>
	)
	z := html.NewTokenizer(strings.NewReader(truncate(body)))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			out.text = text.b.String()
			return out
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			text.text(t)
			if current >= 0 {
				out.anchors[current].text += t
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			switch {
			case hiddenElements[tag]:
				skip = max(0, skip+skipDelta(tt))
			case tag == "a" && tt != html.EndTagToken:
				out.anchors = append(out.anchors, anchor{href: hrefOf(z, hasAttr)})
				current = len(out.anchors) - 1
			case tag == "a":
				current = -1
			case blockElements[tag]:
				text.lineBreak()
			case cellElements[tag]:
				text.space()
			}
		}
	}
}

// skipDelta returns how an element's tag changes the depth of skipped
// content.
func skipDelta(tt html.TokenType) int {
	switch tt {
	case html.StartTagToken:
		return 1
	case html.EndTagToken:
		return -1
	}
	return 0
}

// hrefOf returns the href attribute of the tag z is on, "" if it has none.
func hrefOf(z *html.Tokenizer, hasAttr bool) string {
	for hasAttr {
		var key, val []byte
		key, val, hasAttr = z.TagAttr()
		if string(key) == "href" {
			return strings.TrimSpace(string(val))
		}
	}
	return ""
}

func truncate(s string) string {
	if len(s) > maxInput {
		return s[:maxInput]
	}
	return s
}
