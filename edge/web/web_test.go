package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func newTestHandler(t *testing.T) *Handler {
	t.Helper()
	h, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func get(t *testing.T, h http.Handler, method, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip reader: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func TestHandler_ServesPage(t *testing.T) {
	h := newTestHandler(t)
	rec := get(t, h, http.MethodGet, "/", nil)

	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	checks := map[string]string{
		"Content-Security-Policy": PageContentSecurityPolicy,
		"Cache-Control":           "no-cache",
		"Content-Type":            "text/html; charset=utf-8",
		"Vary":                    "Accept-Encoding",
	}
	for name, want := range checks {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	body := rec.Body.String()
	if strings.Contains(body, assetsPlaceholder) {
		t.Errorf("page still contains %s", assetsPlaceholder)
	}
	if !strings.Contains(body, h.AssetBase()+"/js/main.js") {
		t.Errorf("page does not load %s/js/main.js", h.AssetBase())
	}
	if rec.Header().Get("ETag") == "" {
		t.Errorf("page has no ETag")
	}
}

func TestHandler_AssetsCachedAndCompressed(t *testing.T) {
	h := newTestHandler(t)
	for name, a := range h.assets {
		t.Run(name, func(t *testing.T) {
			path := h.AssetBase() + "/" + name
			gz := get(t, h, http.MethodGet, path, map[string]string{"Accept-Encoding": "br, gzip"})
			if gz.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200", gz.Code)
			}
			if got := gz.Header().Get("Content-Encoding"); got != "gzip" {
				t.Errorf("Content-Encoding: got %q, want gzip", got)
			}
			if got := gz.Header().Get("Cache-Control"); got != assetCacheControl {
				t.Errorf("Cache-Control: got %q, want %q", got, assetCacheControl)
			}
			if !bytes.Equal(gunzip(t, gz.Body.Bytes()), a.plain) {
				t.Errorf("gzip body does not decompress to the file")
			}

			plain := get(t, h, http.MethodGet, path, nil)
			if plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), a.plain) {
				t.Errorf("without Accept-Encoding: got encoding %q and %d bytes, want the %d plain bytes",
					plain.Header().Get("Content-Encoding"), plain.Body.Len(), len(a.plain))
			}
			if gz.Header().Get("ETag") == plain.Header().Get("ETag") {
				t.Errorf("gzip and plain variants share the ETag %s", gz.Header().Get("ETag"))
			}

			again := get(t, h, http.MethodGet, path, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": gz.Header().Get("ETag")})
			if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
				t.Errorf("If-None-Match: got status %d with %d bytes, want 304 and none", again.Code, again.Body.Len())
			}
		})
	}
}

func TestHandler_RejectsOtherPaths(t *testing.T) {
	h := newTestHandler(t)
	tests := []struct {
		name, method, path string
		want               int
	}{
		{"old version", http.MethodGet, "/assets/000000000000/app.css", http.StatusNotFound},
		{"no version", http.MethodGet, "/assets/app.css", http.StatusNotFound},
		{"unknown file", http.MethodGet, h.AssetBase() + "/nothing.js", http.StatusNotFound},
		{"page itself as an asset", http.MethodGet, h.AssetBase() + "/index.html", http.StatusNotFound},
		{"post", http.MethodPost, "/", http.StatusMethodNotAllowed},
		{"head", http.MethodHead, "/", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := get(t, h, tt.method, tt.path, nil).Code; got != tt.want {
				t.Errorf("%s %s: got status %d, want %d", tt.method, tt.path, got, tt.want)
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, br", false},
		{"br;q=1.0, gzip;q=0.8", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"x-gzip", true},
	}
	for _, tt := range tests {
		if got := acceptsGzip([]string{tt.header}); got != tt.want {
			t.Errorf("acceptsGzip(%q): got %t, want %t", tt.header, got, tt.want)
		}
	}
}

// pageBudget is the most the page and all its assets may weigh, gzipped.
const pageBudget = 100 << 10

func TestAssets_UnderSizeBudget(t *testing.T) {
	h := newTestHandler(t)
	total := len(h.page.gzipped)
	plain := len(h.page.plain)
	for _, a := range h.assets {
		total += len(a.gzipped)
		plain += len(a.plain)
	}
	t.Logf("page and assets: %d bytes, %d gzipped", plain, total)
	if total >= pageBudget {
		t.Errorf("page and assets weigh %d bytes gzipped, want under %d", total, pageBudget)
	}
}

var (
	assetReference = regexp.MustCompile(`\{\{assets\}\}/([\w./-]+)`)
	moduleImport   = regexp.MustCompile(`(?m)^import .* from '\./([\w.-]+)';$`)
)

// TestAssets_ModulesPreloaded checks that every file the page names exists
// and that every module is preloaded by the page, so that all of them load
// in one round trip after the HTML, without an import waterfall.
func TestAssets_ModulesPreloaded(t *testing.T) {
	files, err := readStatic(staticFiles)
	if err != nil {
		t.Fatal(err)
	}
	page := string(files[pageFile])
	referenced := make(map[string]bool)
	for _, m := range assetReference.FindAllStringSubmatch(page, -1) {
		referenced[m[1]] = true
		if _, ok := files[m[1]]; !ok {
			t.Errorf("the page names %s, which is not an asset", m[1])
		}
	}
	for name, content := range files {
		if !strings.HasSuffix(name, ".js") {
			continue
		}
		if !referenced[name] {
			t.Errorf("module %s is not preloaded by the page", name)
		}
		for _, m := range moduleImport.FindAllStringSubmatch(string(content), -1) {
			if _, ok := files["js/"+m[1]]; !ok {
				t.Errorf("%s imports %s, which is not an asset", name, m[1])
			}
		}
	}
}

var (
	stringKey     = regexp.MustCompile(`(?m)^  (\w+): '`)
	htmlKey       = regexp.MustCompile(`data-i18n(?:-label|-title)?="(\w+)"`)
	scriptKey     = regexp.MustCompile(`\bt\('(\w+)'`)
	scriptDataKey = regexp.MustCompile(`dataset\.done = '(\w+)'`)
)

// TestStrings_EveryKeyDefined checks that every text key of the page and
// its scripts has an English text, so that no key shows as itself.
func TestStrings_EveryKeyDefined(t *testing.T) {
	files, err := readStatic(staticFiles)
	if err != nil {
		t.Fatal(err)
	}
	defined := make(map[string]bool)
	for _, m := range stringKey.FindAllStringSubmatch(string(files["js/strings.js"]), -1) {
		defined[m[1]] = true
	}
	if len(defined) < 50 {
		t.Fatalf("found %d keys in strings.js, want the whole table", len(defined))
	}
	used := make(map[string][]string)
	for name, content := range files {
		for _, re := range []*regexp.Regexp{htmlKey, scriptKey, scriptDataKey} {
			for _, m := range re.FindAllStringSubmatch(string(content), -1) {
				used[m[1]] = append(used[m[1]], name)
			}
		}
	}
	var missing []string
	for key, where := range used {
		if !defined[key] {
			missing = append(missing, key+" (in "+strings.Join(where, ", ")+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("text key %s has no English text", m)
	}
}

// BenchmarkHandler_ServeAsset measures serving the largest script, gzipped,
// as a first load (no ETag) does.
func BenchmarkHandler_ServeAsset(b *testing.B) {
	h, err := New()
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, h.AssetBase()+"/js/reader.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("got status %d", rec.Code)
		}
	}
}
