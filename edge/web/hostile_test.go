package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tracker is a stand-in for the hosts that a hostile or tracking message
// names. It records the path of every request it receives.
type tracker struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
}

func startTracker(t *testing.T) *tracker {
	t.Helper()
	tr := &tracker{}
	tr.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.mu.Lock()
		tr.paths = append(tr.paths, r.URL.Path)
		tr.mu.Unlock()
		if strings.HasSuffix(r.URL.Path, ".png") {
			w.Header().Set("Content-Type", "image/png")
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(tr.Close)
	return tr
}

func (tr *tracker) received() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.paths...)
}

// hostileMessage carries every common way to run script or load a remote
// resource from mail, each pointing at the tracker. Script that runs sets
// parent.mayflyTrap or calls the tracker's /beacon.
func hostileMessage(to, tr string) []byte {
	html := strings.NewReplacer("TRACKER", tr).Replace(`<html><head>
<meta http-equiv="refresh" content="0;url=TRACKER/refresh">
<link rel="stylesheet" href="TRACKER/link.css">
<style>@import url(TRACKER/import.css); body { background: url(TRACKER/style-bg.png); }</style>
<script>parent.mayflyTrap = 'script'; fetch('TRACKER/beacon?script');</script>
</head><body onload="parent.mayflyTrap='onload'; fetch('TRACKER/beacon?onload')">
<p>Hostile marker</p>
<img src="TRACKER/pixel.png" alt="pixel">
<img src="nonexistent" onerror="parent.mayflyTrap='onerror'; fetch('TRACKER/beacon?onerror')">
<img src="cid:none@example.test" srcset="TRACKER/srcset.png 2x">
<a id="jslink" href="javascript:parent.mayflyTrap='href';fetch('TRACKER/beacon?href')">click me</a>
<svg onload="parent.mayflyTrap='svg'"><script>parent.mayflyTrap='svg-script'; fetch('TRACKER/beacon?svg')</script><image href="TRACKER/svg-image.png"/></svg>
<div style="background-image: url('TRACKER/css-url.png')">styled</div>
<table background="TRACKER/background.png"><tr><td>cell</td></tr></table>
<form action="TRACKER/form"><input name="q" value="x"><button formaction="TRACKER/formaction">go</button></form>
<iframe src="TRACKER/frame"></iframe>
<object data="TRACKER/object"></object>
<video poster="TRACKER/poster.png"></video>
</body></html>`)
	return []byte(fmt.Sprintf("From: Mallory <mallory@sender.example.test>\r\nTo: %s\r\nSubject: Hostile\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n%s\r\n", to, html))
}

func TestBrowser_HostileMailRunsAndLoadsNothing(t *testing.T) {
	base, smtpAddr := startEdge(t)
	tr := startTracker(t)
	p := openPage(t, base)
	address := p.address()

	sendMail(t, smtpAddr, address, hostileMessage(address, tr.URL))
	p.waitFor(`document.querySelector('#message-list button.row')`, "the message in the list")
	p.openMessage("Hostile")
	p.waitFor(`document.getElementById('view-html').srcdoc.includes('Hostile marker')`, "the HTML view")
	if body := p.frameBodyText(); !strings.Contains(body, "Hostile marker") {
		t.Fatalf("HTML view shows %q, want the message", body)
	}
	// Click the link that was a javascript: URL, in the frame.
	p.clickInFrame("#jslink")

	if got := tr.received(); len(got) != 0 {
		t.Errorf("the tracker received %v before remote content was allowed, want nothing", got)
	}
	for _, u := range trackerURLs(p, tr.URL) {
		t.Errorf("the browser requested %s before remote content was allowed", u)
	}
	if trap := eval[string](p, `String(window.mayflyTrap)`); trap != "undefined" {
		t.Errorf("script in the message ran: mayflyTrap = %q", trap)
	}
	frame := strings.ToLower(p.frameHTML())
	for _, bad := range []string{strings.ToLower(tr.URL), "<script", "onerror=", "onload=", "javascript:", "srcset", "<form", "<iframe", "<svg", "@import"} {
		if strings.Contains(frame, bad) {
			t.Errorf("frame document contains %q", bad)
		}
	}
	p.checkNoCookiesNoOtherOrigins(nil)

	// Asked for, the remote images load, and still nothing else does.
	p.click("#load-remote")
	p.waitFor(`document.getElementById('status').textContent === 'Remote content loaded for this message.'`, "remote content")
	waitTracker(t, tr, "/pixel.png")
	// The network events cover the frame too: they show the same request.
	if !slices.ContainsFunc(trackerURLs(p, tr.URL), func(u string) bool { return strings.HasSuffix(u, "/pixel.png") }) {
		t.Errorf("the page's network events lack the frame's image request, so they cannot prove that none was made")
	}
	t.Logf("after loading remote content the tracker received %v", tr.received())
	for _, path := range tr.received() {
		switch path {
		case "/pixel.png", "/background.png", "/css-url.png":
		default:
			t.Errorf("after loading remote content the tracker received %s, want only images", path)
		}
	}
	if trap := eval[string](p, `String(window.mayflyTrap)`); trap != "undefined" {
		t.Errorf("script in the message ran after loading remote content: mayflyTrap = %q", trap)
	}
}

// trackerURLs returns the URLs of the tracker that the browser requested.
func trackerURLs(p *page, trackerURL string) []string {
	urls, _ := p.requests.snapshot()
	var found []string
	for _, u := range urls {
		if strings.HasPrefix(u, trackerURL) {
			found = append(found, u)
		}
	}
	return found
}

func waitTracker(t *testing.T, tr *tracker, path string) {
	t.Helper()
	waitUntil(t, "the tracker to receive "+path, func() bool {
		for _, p := range tr.received() {
			if p == path {
				return true
			}
		}
		return false
	})
}
