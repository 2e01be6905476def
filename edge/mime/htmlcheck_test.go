package mime

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// assertSafeHTML fails the test for every problem unsafeHTMLProblems finds.
func assertSafeHTML(t *testing.T, sanitized string) {
	t.Helper()
	for _, problem := range unsafeHTMLProblems(sanitized) {
		t.Errorf("unsafe sanitized HTML: %s\nHTML: %s", problem, sanitized)
	}
}

// unsafeHTMLProblems lists every element, event handler or URL in sanitized
// HTML that could run script or load a resource from another host. It parses
// the HTML as a whole document, as a browser parses an iframe srcdoc, twice:
// with scripting enabled, and without (a sandboxed frame or a script-less
// DOM parser), because the two parse <noscript> differently.
func unsafeHTMLProblems(sanitized string) []string {
	var problems []string
	for _, scripting := range []bool{true, false} {
		doc, err := html.ParseWithOptions(strings.NewReader(sanitized), html.ParseOptionEnableScripting(scripting))
		if err != nil {
			problems = append(problems, fmt.Sprintf("parse (scripting %t): %v", scripting, err))
			continue
		}
		problems = append(problems, nodeProblems(doc, scripting)...)
	}
	return problems
}

func nodeProblems(n *html.Node, scripting bool) []string {
	var problems []string
	if n.Type == html.ElementNode {
		where := fmt.Sprintf("<%s> (scripting %t)", n.Data, scripting)
		if n.Namespace != "" {
			problems = append(problems, fmt.Sprintf("%s: foreign content in namespace %q", where, n.Namespace))
		}
		if isForbiddenElement(n.Data) {
			problems = append(problems, where+": forbidden element")
		}
		for _, a := range n.Attr {
			if p := attributeProblem(n.Data, a); p != "" {
				problems = append(problems, fmt.Sprintf("%s: attribute %s=%q: %s", where, a.Key, a.Val, p))
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		problems = append(problems, nodeProblems(c, scripting)...)
	}
	return problems
}

func isForbiddenElement(name string) bool {
	switch name {
	case "script", "iframe", "frame", "frameset", "object", "embed", "applet",
		"form", "input", "button", "select", "textarea", "meta", "base", "link",
		"svg", "math", "style", "noscript", "template", "audio", "video",
		"source", "picture", "image":
		return true
	}
	return false
}

var allowedDataImage = regexp.MustCompile(`^data:image/(png|gif|jpeg|webp);base64,`)

// attributeProblem checks one attribute: no event handler, no script or
// data URL (data:image raster URLs excepted), and no remote URL in an
// attribute that loads its value.
func attributeProblem(element string, a html.Attribute) string {
	key := strings.ToLower(a.Key)
	if strings.HasPrefix(key, "on") {
		return "event handler"
	}
	value := normalizeURLForCheck(a.Val)
	if isURLAttribute(key) {
		for _, scheme := range []string{"javascript:", "vbscript:"} {
			if strings.HasPrefix(value, scheme) {
				return "script URL"
			}
		}
		if strings.HasPrefix(value, "data:") && !allowedDataImage.MatchString(value) {
			return "data URL that is not a raster image"
		}
	}
	loads := isURLAttribute(key) && !(key == "href" && (element == "a" || element == "area"))
	if key == "style" {
		loads = strings.Contains(value, "url(")
	}
	remote := strings.Contains(value, "http:") || strings.Contains(value, "https:") ||
		(strings.Contains(value, "//") && !allowedDataImage.MatchString(value))
	if loads && remote {
		return "remote URL in an attribute that loads it"
	}
	if key == "src" && element == "img" && !strings.HasPrefix(value, "cid:") && !allowedDataImage.MatchString(value) {
		return "image source that is neither cid: nor a data:image URL"
	}
	return ""
}

func isURLAttribute(key string) bool {
	switch key {
	case "href", "src", "srcset", "action", "formaction", "data", "xlink:href",
		"poster", "background", "lowsrc", "dynsrc", "longdesc", "codebase",
		"cite", "ping", "manifest", "srcdoc":
		return true
	}
	return false
}

// normalizeURLForCheck lower-cases a value and removes ASCII white space and
// control characters, as browsers do before reading a URL scheme. The HTML
// parser has already decoded character references.
func normalizeURLForCheck(value string) string {
	value = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, value)
	return strings.ToLower(value)
}

// elementsByName returns the elements with the given name in an HTML document.
func elementsByName(t *testing.T, fragment, name string) []*html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(fragment))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	var found []*html.Node
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == name {
			found = append(found, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(doc)
	return found
}

func attributeValue(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// TestUnsafeHTMLProblems_DetectsVectors tests the checker itself, so that a
// sanitizer test cannot pass because the checker finds nothing.
func TestUnsafeHTMLProblems_DetectsVectors(t *testing.T) {
	tests := []struct {
		name string
		html string
	}{
		{"script element", `<script>alert(1)</script>`},
		{"event handler", `<p onclick="alert(1)">x</p>`},
		{"javascript link", `<a href="java&#x09;script:alert(1)">x</a>`},
		{"remote image", `<img src="https://tracker.example.net/p.gif">`},
		{"remote srcset", `<img src="cid:a" srcset="https://tracker.example.net/a.png 2x">`},
		{"style url", `<p style="background: url(https://tracker.example.net/a.png)">x</p>`},
		{"svg", `<svg><image href="https://tracker.example.net/a.png"/></svg>`},
		{"noscript revival without scripting", `<noscript><p title="</noscript><img src=https://tracker.example.net/n.gif>"></p></noscript>`},
		{"data html object", `<object data="data:text/html;base64,PHNjcmlwdD4="></object>`},
		{"relative image", `<img src="x">`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if problems := unsafeHTMLProblems(tt.html); len(problems) == 0 {
				t.Errorf("got no problems for %q, want at least one", tt.html)
			}
		})
	}
}
