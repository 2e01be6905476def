package mime

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// inlineImagePattern matches the image sources that load nothing from the
// network: cid: references to parts of the same message (RFC 2392) and
// base64 data URLs of raster images. SVG is left out because an SVG image
// can reference further resources.
var inlineImagePattern = regexp.MustCompile(`^(?i:cid:[^\s]+|data:image/(?:png|gif|jpeg|webp);base64,[a-z0-9+/]+={0,2})$`)

// safeStyleProperties are the CSS properties kept in style attributes. None
// of them takes an image or a URL, and bluemonday checks each value against
// the property's grammar.
var safeStyleProperties = []string{
	"color", "background-color",
	"font-family", "font-size", "font-style", "font-weight", "font-variant",
	"text-align", "text-decoration", "text-indent", "text-transform",
	"line-height", "letter-spacing", "word-spacing", "white-space",
	"word-break", "word-wrap", "overflow-wrap", "vertical-align", "direction",
	"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
	"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
	"border", "border-top", "border-right", "border-bottom", "border-left",
	"border-color", "border-style", "border-width", "border-radius",
	"border-collapse", "border-spacing",
	"width", "height", "max-width", "min-width", "max-height", "min-height",
	"display", "list-style-type", "list-style-position", "table-layout",
	"caption-side", "empty-cells", "float", "clear",
}

// htmlPolicy is built once and never changed afterwards. The bluemonday
// README (v1.0.27) states that a built policy is safe to use from several
// goroutines.
var htmlPolicy = sync.OnceValue(newHTMLPolicy)

// SanitizeHTML returns html with everything removed that could run script,
// submit data or load a resource from another host when the result is shown
// in a browser. It starts from bluemonday's UGCPolicy, which already drops
// script, style, iframe, object, embed, form, input, link, base, meta, SVG and
// MathML elements, every event handler attribute, and URLs with schemes other
// than http, https and mailto. On top of that:
//
//   - images keep a src only when it is a cid: reference or a data:image URL
//     (PNG, GIF, JPEG or WebP), and srcset, background, poster and the like
//     never survive;
//   - style attributes keep only layout and text properties without URLs;
//   - links keep http, https and mailto targets, with rel="noopener noreferrer
//     nofollow" and target="_blank";
//   - relative URLs are dropped, because in a srcdoc frame they would resolve
//     against the embedding page's origin.
//
// A final pass over the tokens of bluemonday's output enforces the resource
// rules once more, so the result is checked on the same tokenization that a
// browser applies to it.
func SanitizeHTML(input string) string {
	return SanitizeHTMLWith(input, SanitizeOptions{})
}

// SanitizeHTMLWith is SanitizeHTML with options. The zero SanitizeOptions
// give the result of SanitizeHTML.
func SanitizeHTMLWith(input string, opts SanitizeOptions) string {
	policy := htmlPolicy()
	if opts.RemoteContent {
		policy = remoteHTMLPolicy()
	}
	return enforceResourcePolicy(policy.Sanitize(input), opts)
}

func newHTMLPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("cid")
	p.AllowURLSchemeWithCustomPolicy("data", func(u *url.URL) bool {
		return inlineImagePattern.MatchString(u.String())
	})
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	// Presentational markup that mail still uses heavily.
	color := regexp.MustCompile(`^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,20})$`)
	p.AllowElements("center", "font")
	p.AllowAttrs("color").Matching(color).OnElements("font")
	p.AllowAttrs("face").Matching(bluemonday.Paragraph).OnElements("font")
	p.AllowAttrs("size").Matching(regexp.MustCompile(`^[+-]?[1-7]$`)).OnElements("font")
	p.AllowAttrs("bgcolor").Matching(color).OnElements("table", "tr", "td", "th")
	p.AllowAttrs("align").Matching(bluemonday.CellAlign).OnElements("p", "div", "table", "h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("border", "cellpadding", "cellspacing").Matching(bluemonday.Integer).OnElements("table")
	p.AllowStyles(safeStyleProperties...).Globally()
	return p
}

// enforceResourcePolicy re-tokenizes sanitized HTML and removes, again,
// every element and attribute that could run script or load a resource.
// bluemonday cannot withdraw what UGCPolicy allows (any http image source,
// for one), so this pass is what restricts images to inline sources.
func enforceResourcePolicy(sanitized string, opts SanitizeOptions) string {
	var b strings.Builder
	b.Grow(len(sanitized))
	z := html.NewTokenizer(strings.NewReader(sanitized))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			// Reading from a string, the only error is io.EOF.
			return b.String()
		}
		token := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if isBlockedElement(token.Data) {
				continue
			}
			token.Attr = filterAttributes(token.Data, token.Attr, opts)
			if token.Data == "img" && !hasAttribute(token.Attr, "src") {
				// An image whose source was removed would show as broken.
				continue
			}
		case html.EndTagToken:
			if isBlockedElement(token.Data) {
				continue
			}
		case html.CommentToken, html.DoctypeToken:
			continue
		}
		b.WriteString(token.String())
	}
}

// filterAttributes keeps the attributes of one element that neither run
// script nor load anything, except the remote images that opts allow, and
// adds the link attributes SanitizeHTML promises.
func filterAttributes(element string, attrs []html.Attribute, opts SanitizeOptions) []html.Attribute {
	kept := attrs[:0]
	hasLink := false
	for _, a := range attrs {
		key := strings.ToLower(a.Key)
		switch {
		case strings.HasPrefix(key, "on"):
			continue
		case opts.RemoteContent && isAllowedRemoteResource(element, key, a.Val):
			// Kept: the reader asked for this message's remote content.
		case loadsResource(key):
			continue
		case key == "style" && styleLoadsResource(a.Val):
			continue
		case key == "src" && (element != "img" || !inlineImagePattern.MatchString(strings.TrimSpace(a.Val))):
			continue
		case key == "href" && (!isLinkElement(element) || !isAllowedLink(a.Val)):
			continue
		case isLinkElement(element) && (key == "rel" || key == "target"):
			continue
		}
		if key == "href" {
			hasLink = true
		}
		kept = append(kept, a)
	}
	if hasLink {
		kept = append(kept,
			html.Attribute{Key: "rel", Val: "noopener noreferrer nofollow"},
			html.Attribute{Key: "target", Val: "_blank"})
	}
	return kept
}

// loadsResource reports attributes that make a browser fetch their value
// (src and href are decided per element by the caller).
func loadsResource(key string) bool {
	switch key {
	case "srcset", "imagesrcset", "background", "poster", "lowsrc", "dynsrc",
		"data", "action", "formaction", "xlink:href", "longdesc", "codebase",
		"archive", "manifest", "ping", "profile", "icon", "srcdoc":
		return true
	}
	return false
}

// styleLoadsResource reports a style attribute that could fetch something.
// A backslash is rejected too, because CSS escapes can spell "url" in
// other ways.
func styleLoadsResource(style string) bool {
	s := strings.ToLower(style)
	for _, marker := range []string{"url(", "image", "expression", "@import", `\`} {
		if strings.Contains(s, marker) {
			return true
		}
	}
	return false
}

func hasAttribute(attrs []html.Attribute, key string) bool {
	for _, a := range attrs {
		if a.Key == key {
			return true
		}
	}
	return false
}

func isBlockedElement(name string) bool {
	switch name {
	case "script", "style", "iframe", "frame", "frameset", "object", "embed",
		"applet", "form", "input", "button", "select", "textarea", "link",
		"base", "meta", "svg", "math", "noscript", "template", "audio",
		"video", "source", "track", "picture", "image", "portal":
		return true
	}
	return false
}

func isLinkElement(name string) bool {
	return name == "a" || name == "area"
}

// isAllowedLink accepts absolute http, https and mailto URLs. White space and
// control characters inside the value are rejected, because browsers strip
// them before reading the scheme ("jav&#x09;ascript:").
func isAllowedLink(value string) bool {
	value = strings.TrimSpace(value)
	if strings.ContainsFunc(value, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	u, err := url.Parse(value)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "mailto":
		return true
	}
	return false
}
