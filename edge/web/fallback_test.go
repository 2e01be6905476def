package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

// holdEventStreams opens more event streams of the inbox at once than
// the edge allows, keeps the accepted ones open until the test ends, and
// reports whether the edge rejected one. The streams are opened in
// parallel because an accepted stream may send its headers only with its
// first event or keep-alive.
func holdEventStreams(t *testing.T, base, token string) bool {
	t.Helper()
	const attempts = 12
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	statuses := make(chan int, attempts)
	for range attempts {
		go func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/inbox/events", nil)
			if err != nil {
				statuses <- 0
				return
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			defer resp.Body.Close()
			statuses <- resp.StatusCode
			if resp.StatusCode == http.StatusOK {
				_, _ = io.Copy(io.Discard, resp.Body) // held until the test ends
			}
		}()
	}
	for range attempts {
		select {
		case status := <-statuses:
			if status == http.StatusTooManyRequests || status == http.StatusNotFound {
				t.Logf("the edge answered an extra event stream with status %d", status)
				return status == http.StatusTooManyRequests
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no event stream was rejected in 30s, want a limit per inbox")
		}
	}
	t.Fatalf("the edge accepted %d event streams of one inbox, want a limit", attempts)
	return false
}

// TestBrowser_FallsBackToPolling opens an inbox whose event streams are all
// taken, so the page must hold listings open instead, and mail must still
// show up without a reload.
func TestBrowser_FallsBackToPolling(t *testing.T) {
	base, smtpAddr := startEdge(t)
	resp, err := http.Post(base+"/api/v1/inboxes", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatalf("create inbox: %v", err)
	}
	var created apitypes.Created
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil {
		t.Fatalf("decode inbox: %v", err)
	}
	resp.Body.Close()
	limited := holdEventStreams(t, base, created.Token)

	p := openPage(t, base)
	eval[bool](p, `window.mayflyNoReload = true`)
	p.click("#open-key")
	p.do(chromedp.SendKeys(chromedp.ID("open-value"), created.Token), chromedp.Click(chromedp.CSS(`#form-open [type=submit]`)))
	p.waitFor(`document.getElementById('address').textContent === `+jsString(created.Address), "the opened inbox")

	sendMail(t, smtpAddr, created.Address, richMessage(created.Address, "Polled message", []byte("x")))
	p.waitFor(`document.querySelector('#message-list button.row[aria-label*="Polled message"]')`, "the message in the list")
	if !eval[bool](p, `window.mayflyNoReload === true`) {
		t.Errorf("the page reloaded to show the message, want a live update")
	}
	if limited && !requested(p, "wait=30s") {
		t.Errorf("with every event stream taken the page never held a listing open")
	}
}

// requested reports whether the browser requested a URL containing part.
func requested(p *page, part string) bool {
	urls, _ := p.requests.snapshot()
	for _, u := range urls {
		if strings.Contains(u, part) {
			return true
		}
	}
	return false
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
