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
	// text is the visible text, with block elements on their own lines.
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
	"p": true, "div": true, "br": true, "tr": true, "td": true, "th": true,
	"li": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true,
	"h6": true, "table": true, "section": true, "blockquote": true, "pre": true,
}

// parseHTML tokenizes body, which need not be well formed, and collects
// its visible text and anchors. Script and style content is skipped.
func parseHTML(body string) htmlContent {
	var (
		out     htmlContent
		text    strings.Builder
		skip    int
		current = -1 // index in out.anchors of the open <a>
	)
	z := html.NewTokenizer(strings.NewReader(truncate(body)))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			out.text = text.String()
			return out
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			text.WriteString(t)
			if current >= 0 {
				out.anchors[current].text += t
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			switch {
			case tok.Data == "script" || tok.Data == "style":
				skip = max(0, skip+skipDelta(tt))
			case tok.Data == "a" && tt == html.StartTagToken:
				out.anchors = append(out.anchors, anchor{href: attr(tok, "href")})
				current = len(out.anchors) - 1
			case tok.Data == "a" && tt == html.EndTagToken:
				current = -1
			case blockElements[tok.Data]:
				text.WriteString("\n")
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

func attr(tok html.Token, name string) string {
	for _, a := range tok.Attr {
		if a.Key == name {
			return strings.TrimSpace(a.Val)
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
