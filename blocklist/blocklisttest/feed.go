package blocklisttest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Feed serves a disposable-domain list over HTTP with a strong ETag and
// answers 304 Not Modified to a matching If-None-Match. It is safe for
// concurrent use.
type Feed struct {
	// URL is the list's address.
	URL string

	mu          sync.Mutex
	body        string
	fetches     int
	notModified int
	status      int
}

// StartFeed serves body on a loopback port and stops when the test ends.
func StartFeed(tb testing.TB, body string) *Feed {
	tb.Helper()
	f := &Feed{body: body}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(srv.Close)
	f.URL = srv.URL + "/disposable.txt"
	return f
}

// SetBody replaces the list, which changes its ETag.
func (f *Feed) SetBody(body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.body = body
}

// FailWith makes the server answer every request with status, or serve
// the list again when status is zero.
func (f *Feed) FailWith(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status = status
}

// Counts returns how many requests arrived and how many got 304.
func (f *Feed) Counts() (fetches, notModified int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches, f.notModified
}

func (f *Feed) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetches++
	if f.status != 0 {
		http.Error(w, "unavailable", f.status)
		return
	}
	sum := sha256.Sum256([]byte(f.body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if strings.Contains(r.Header.Get("If-None-Match"), etag) {
		f.notModified++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(f.body))
}
