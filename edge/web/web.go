// Package web serves the edge's web page: the end-user inbox at / and its
// static assets under /assets/<version>/.
//
// The page is plain HTML, CSS and ES modules embedded in the binary, with
// nothing loaded from another origin. At start New reads them once, gzips
// each, and derives an asset version from their content, which replaces
// the {{assets}} placeholder of index.html. So an asset URL names one
// content forever: assets are cached as immutable, while the page itself is
// revalidated with its ETag on every load.
//
// The page keeps the inbox token in memory and sessionStorage only and
// talks to the public API under /api/v1 with "Authorization: Bearer". It
// sets no cookie and loads no third-party resource; its Content-Security-
// Policy (PageContentSecurityPolicy) enforces that in the browser.
package web

import (
	"net/http"
	"strings"

	"github.com/mayfly-mail/mayfly/edge/metrics"
)

// PageContentSecurityPolicy is the policy of the page and its assets.
//
// Scripts and style sheets come from the page's origin only, and nothing
// may be fetched, framed or submitted elsewhere. Two parts are wider than
// default-src 'self' because a message is shown in a sandboxed srcdoc
// frame, and such a frame inherits this policy on top of its own:
//
//   - style-src-attr 'unsafe-inline' lets the sanitized style attributes of
//     a message, and the frame's base style, apply. No script can run, so
//     a style attribute cannot be set by an attacker's code on the page.
//   - img-src data: https: lets the frame show inline images, which the
//     page turns into data: URLs, and the https images of a message whose
//     reader pressed "load remote content". The frame's own policy allows
//     https images only after that press, and the sanitizer removes them
//     from the HTML before it.
const PageContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"style-src-attr 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Cache-Control values: the page is checked again on every load, an
// asset's versioned URL never changes its content.
const (
	pageCacheControl  = "no-cache"
	assetCacheControl = "public, max-age=31536000, immutable"
)

// Route labels for the edge's metrics.
const (
	pageRoute  = "/"
	assetRoute = "/assets/{version}/{file}"
)

// assetPrefix starts the path of every asset.
const assetPrefix = "/assets/"

// Handler serves the page and its assets. It is safe for concurrent use
// and never changes after New.
type Handler struct {
	page    *asset
	assets  map[string]*asset // by path under the versioned prefix, such as "js/main.js"
	version string
}

// New reads, versions and compresses the embedded assets.
func New() (*Handler, error) {
	return newHandler(staticFiles)
}

// Serves reports whether path belongs to the page rather than to the API.
func Serves(path string) bool {
	return path == "/" || strings.HasPrefix(path, assetPrefix)
}

// AssetBase returns the versioned URL path under which the assets live,
// such as /assets/3f2a9c0d1e7b.
func (h *Handler) AssetBase() string { return assetPrefix + h.version }

// ServeHTTP serves GET and HEAD of / and of the current assets. Any other
// asset path, an old version's included, gets 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/" {
		metrics.SetRoute(r.Context(), pageRoute)
		h.page.serve(w, r, pageCacheControl)
		return
	}

	metrics.SetRoute(r.Context(), assetRoute)
	name, ok := strings.CutPrefix(r.URL.Path, h.AssetBase()+"/")
	a := h.assets[name]
	if !ok || a == nil {
		http.Error(w, "no such asset", http.StatusNotFound)
		return
	}
	a.serve(w, r, assetCacheControl)
}
