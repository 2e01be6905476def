package mime

import (
	"strings"

	"golang.org/x/net/html"
)

// htmlToText renders HTML as plain text for messages without a text/plain
// part: block elements and <br> become line breaks, list items get a "- "
// prefix, white space outside <pre> collapses, and the content of script,
// style, head and title is skipped.
func htmlToText(input string) string {
	var r textRenderer
	z := html.NewTokenizer(strings.NewReader(input))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return r.out.finish()
		}
		token := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			r.startTag(token.Data, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			r.endTag(token.Data)
		case html.TextToken:
			r.text(token.Data)
		}
	}
}

// textRenderer turns a stream of HTML tokens into text.
type textRenderer struct {
	out  textWriter
	skip int // depth inside elements whose content is not text
	pre  int // depth inside <pre>
}

func (r *textRenderer) startTag(name string, selfClosing bool) {
	switch {
	case isInvisibleElement(name):
		if !selfClosing {
			r.skip++
		}
	case name == "pre":
		r.pre++
		r.out.lineBreak()
	case name == "br":
		r.out.hardBreak()
	case name == "li":
		r.out.lineBreak()
		r.out.text("- ")
	case name == "td" || name == "th":
		r.out.text(" ")
	case isBlockElement(name):
		r.out.lineBreak()
	}
}

func (r *textRenderer) endTag(name string) {
	switch {
	case isInvisibleElement(name):
		r.skip = max(r.skip-1, 0)
	case name == "pre":
		r.pre = max(r.pre-1, 0)
		r.out.lineBreak()
	case isBlockElement(name) || name == "li":
		r.out.lineBreak()
	}
}

func (r *textRenderer) text(data string) {
	switch {
	case r.skip > 0:
	case r.pre > 0:
		r.out.b.WriteString(data)
	default:
		r.out.text(collapseSpace(data))
	}
}

// textWriter builds plain text, collapsing runs of line breaks.
type textWriter struct {
	b strings.Builder
}

func (w *textWriter) text(s string) {
	if w.atLineStart() || strings.HasSuffix(w.b.String(), " ") {
		s = strings.TrimLeft(s, " ")
	}
	w.b.WriteString(s)
}

func (w *textWriter) atLineStart() bool {
	s := w.b.String()
	return s == "" || strings.HasSuffix(s, "\n")
}

// lineBreak ends the current line unless it is empty.
func (w *textWriter) lineBreak() {
	if !w.atLineStart() {
		w.b.WriteByte('\n')
	}
}

func (w *textWriter) hardBreak() {
	w.b.WriteByte('\n')
}

// finish trims trailing spaces from each line, keeps at most one empty line
// in a row, and ends the text with a line break.
func (w *textWriter) finish() string {
	lines := strings.Split(w.b.String(), "\n")
	out := make([]string, 0, len(lines))
	empty := 0
	for _, line := range lines {
		line = strings.TrimRight(line, " \t")
		if line == "" {
			empty++
			if empty > 1 || len(out) == 0 {
				continue
			}
		} else {
			empty = 0
		}
		out = append(out, line)
	}
	text := strings.TrimRight(strings.Join(out, "\n"), "\n")
	if text == "" {
		return ""
	}
	return text + "\n"
}

// collapseSpace replaces each run of HTML white space with one space, as a
// browser renders text outside <pre>.
func collapseSpace(s string) string {
	var b strings.Builder
	pending := false
	for _, r := range s {
		if strings.ContainsRune(" \t\n\f\r", r) {
			pending = true
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	if pending {
		b.WriteByte(' ')
	}
	return b.String()
}

func isInvisibleElement(name string) bool {
	switch name {
	case "script", "style", "head", "title", "template", "noscript":
		return true
	}
	return false
}

func isBlockElement(name string) bool {
	switch name {
	case "p", "div", "section", "article", "aside", "header", "footer",
		"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd",
		"table", "tr", "blockquote", "hr", "center", "figure", "figcaption",
		"details", "summary", "address", "main", "nav":
		return true
	}
	return false
}
