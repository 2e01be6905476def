package mime

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// SanitizeOptions select what SanitizeHTMLWith keeps beyond what
// SanitizeHTML keeps.
type SanitizeOptions struct {
	// RemoteContent keeps the remote images of a message whose reader
	// asked to load them: https image sources, https background attributes
	// of tables and their cells, and https backgrounds in style attributes.
	// Script, event handlers, forms, frames, style elements, srcset and
	// every other way to load a resource are still removed, and so are
	// http (not https) images.
	RemoteContent bool
}

// remoteBackgroundPattern matches a CSS background value of one https url()
// with at most simple keywords, colours and lengths around it. The URL
// excludes quotes, brackets, white space, backslashes and semicolons, so it
// cannot end the declaration or hide a second url().
var remoteBackgroundPattern = regexp.MustCompile(`(?i)^[#a-z0-9.%,\s-]*url\(\s*['"]?(https://[^'"()\s\\;]+)['"]?\s*\)[#a-z0-9.%,\s-]*$`)

// remoteURLPattern matches an https URL without the characters that could
// end an attribute value or a CSS token.
var remoteURLPattern = regexp.MustCompile(`(?i)^https://[^'"()\s\\;<>]+$`)

// remoteHTMLPolicy is htmlPolicy plus the remote backgrounds that
// SanitizeOptions.RemoteContent allows. Like htmlPolicy it is built once and
// never changed afterwards.
var remoteHTMLPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := newHTMLPolicy()
	p.AllowAttrs("background").Matching(remoteURLPattern).OnElements(backgroundElements...)
	p.AllowStyles("background", "background-image").Matching(remoteBackgroundPattern).Globally()
	return p
})

// backgroundElements are the elements whose background attribute mail uses.
var backgroundElements = []string{"table", "tr", "td", "th"}

// isAllowedRemoteResource reports whether an attribute loads nothing but
// https images: an img src, a background attribute of a table element, or
// a style attribute whose only URLs are https backgrounds.
func isAllowedRemoteResource(element, key, value string) bool {
	switch {
	case key == "src" && element == "img":
		return isRemoteImageURL(value)
	case key == "background":
		for _, e := range backgroundElements {
			if element == e {
				return isRemoteImageURL(value)
			}
		}
		return false
	case key == "style":
		return isAllowedRemoteStyle(value)
	}
	return false
}

// isRemoteImageURL accepts an absolute https URL with a host.
func isRemoteImageURL(value string) bool {
	value = strings.TrimSpace(value)
	if !remoteURLPattern.MatchString(value) {
		return false
	}
	u, err := url.Parse(value)
	return err == nil && strings.EqualFold(u.Scheme, "https") && u.Host != ""
}

// isAllowedRemoteStyle accepts a style attribute whose declarations either
// load nothing or are a background of one https URL. bluemonday has already
// dropped every declaration outside the policy, and no kept value contains
// a semicolon, so splitting on ";" finds the declarations.
func isAllowedRemoteStyle(style string) bool {
	for _, declaration := range strings.Split(style, ";") {
		property, value, _ := strings.Cut(declaration, ":")
		property = strings.ToLower(strings.TrimSpace(property))
		if property == "background" || property == "background-image" {
			m := remoteBackgroundPattern.FindStringSubmatch(strings.TrimSpace(value))
			if m != nil && isRemoteImageURL(m[1]) {
				continue
			}
		}
		if styleLoadsResource(declaration) {
			return false
		}
	}
	return true
}
