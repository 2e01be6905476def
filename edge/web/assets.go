package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

// staticFiles are the page and its assets, as written in the repository.
//
//go:embed static
var staticFiles embed.FS

// pageFile is the page itself; every other file is an asset.
const pageFile = "index.html"

// assetsPlaceholder in pageFile is replaced with the versioned asset path.
const assetsPlaceholder = "{{assets}}"

// contentTypes maps the file extensions in static to their media types, so
// that the reply does not depend on the system's MIME tables.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
}

// asset is one file, ready to serve in both encodings.
type asset struct {
	contentType string
	plain       []byte
	gzipped     []byte
	etag        string // of plain; the gzip variant appends -gz
}

// newHandler builds the Handler from the files under static in fsys.
func newHandler(fsys fs.FS) (*Handler, error) {
	files, err := readStatic(fsys)
	if err != nil {
		return nil, err
	}
	page, ok := files[pageFile]
	if !ok {
		return nil, fmt.Errorf("build web page: %s is missing from the embedded files", pageFile)
	}
	delete(files, pageFile)

	h := &Handler{assets: make(map[string]*asset, len(files)), version: versionOf(files)}
	for name, content := range files {
		if h.assets[name], err = newAsset(name, content); err != nil {
			return nil, err
		}
	}
	page = bytes.ReplaceAll(page, []byte(assetsPlaceholder), []byte(h.AssetBase()))
	if h.page, err = newAsset(pageFile, page); err != nil {
		return nil, err
	}
	return h, nil
}

// readStatic returns the content of every file under static, by its path
// below static.
func readStatic(fsys fs.FS) (map[string][]byte, error) {
	files := make(map[string][]byte)
	err := fs.WalkDir(fsys, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		content, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		files[strings.TrimPrefix(name, "static/")] = content
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read embedded web files: %w", err)
	}
	return files, nil
}

// versionOf hashes the names and contents of the assets, so that any
// change gives them new URLs.
func versionOf(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	sum := sha256.New()
	for _, name := range names {
		fmt.Fprintf(sum, "%s %d\n", name, len(files[name]))
		sum.Write(files[name])
	}
	return hex.EncodeToString(sum.Sum(nil))[:12]
}

func newAsset(name string, content []byte) (*asset, error) {
	contentType, ok := contentTypes[path.Ext(name)]
	if !ok {
		return nil, fmt.Errorf("build web page: %s has no known content type: want one of .html, .css or .js", name)
	}
	gzipped, err := gzipBytes(content)
	if err != nil {
		return nil, fmt.Errorf("build web page: compress %s: %w", name, err)
	}
	sum := sha256.Sum256(content)
	return &asset{
		contentType: contentType,
		plain:       content,
		gzipped:     gzipped,
		etag:        hex.EncodeToString(sum[:8]),
	}, nil
}

// gzipBytes compresses content once, at the best level, since it is
// served many times.
func gzipBytes(content []byte) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(content); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// serve replies with the gzip variant when the request accepts it.
// http.ServeContent replies 304 to a matching If-None-Match, sends no body
// for HEAD, and serves ranges.
func (a *asset) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("Content-Security-Policy", PageContentSecurityPolicy)
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Type", a.contentType)
	h.Set("Vary", "Accept-Encoding")

	body, etag := a.plain, a.etag
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		body, etag = a.gzipped, a.etag+"-gz"
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reads Accept-Encoding (RFC 9110 §12.5.3): gzip or x-gzip
// with a quality above zero, or else * with a quality above zero.
func acceptsGzip(values []string) bool {
	star := false
	for _, value := range values {
		for _, item := range strings.Split(value, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(item), ";")
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				return !zeroQuality(params)
			case "*":
				star = !zeroQuality(params)
			}
		}
	}
	return star
}

// zeroQuality reports a q parameter of 0, which marks a coding as not
// acceptable.
func zeroQuality(params string) bool {
	for _, p := range strings.Split(params, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(name), "q") {
			v := strings.TrimRight(strings.TrimSpace(value), "0")
			return v == "" || v == "0." || v == "0"
		}
	}
	return false
}
