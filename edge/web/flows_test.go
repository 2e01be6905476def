package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

// inboxInfo reads GET /api/v1/inbox with the token.
func inboxInfo(t *testing.T, base, token string) (int, apitypes.Inbox) {
	t.Helper()
	status, body := apiGet(t, base, token, "/api/v1/inbox")
	var info apitypes.Inbox
	if status == http.StatusOK {
		if err := json.Unmarshal(body, &info); err != nil {
			t.Fatalf("decode inbox: %v", err)
		}
	}
	return status, info
}

func TestBrowser_CopyAndSaveKey(t *testing.T) {
	base, _ := startEdge(t)
	p := openPage(t, base)
	address, token := p.address(), p.token()

	p.click("#copy-address")
	p.waitFor(`document.getElementById('status').textContent === 'Address copied.'`, "the address to be copied")
	if got := eval[string](p, `navigator.clipboard.readText()`); got != address {
		t.Errorf("clipboard after copying the address: got %q, want %q", got, address)
	}

	p.click("#save-key")
	p.waitFor(`document.getElementById('dialog-key').open`, "the access key dialog")
	if got := eval[string](p, `document.getElementById('key-value').value`); got != token {
		t.Errorf("access key dialog shows %q, want the inbox token", got)
	}
	p.click("#copy-key")
	p.waitFor(`document.getElementById('status').textContent === 'Access key copied.'`, "the key to be copied")
	if got := eval[string](p, `navigator.clipboard.readText()`); got != token {
		t.Errorf("clipboard after copying the key: got %q, want the token", got)
	}
	p.click("#dialog-key [data-close]")

	if status, info := inboxInfo(t, base, token); status != http.StatusOK || info.Address != address {
		t.Errorf("the page's token opens %q (status %d), want %q", info.Address, status, address)
	}
	// The token is kept in sessionStorage alone: no cookie, no URL, no
	// localStorage.
	if got := eval[string](p, `location.href`); strings.Contains(got, token) || got != base+"/" {
		t.Errorf("page URL is %q, want %s/ without the token", got, base)
	}
	if n := eval[int](p, `localStorage.length`); n != 0 {
		t.Errorf("localStorage has %d items, want none", n)
	}
	p.checkNoCookiesNoOtherOrigins(nil)
}

func TestBrowser_NewCustomExtendDelete(t *testing.T) {
	base, _ := startEdge(t)
	p := openPage(t, base)
	first, firstToken := p.address(), p.token()

	p.click("#new-address")
	p.waitFor(fmt.Sprintf(`document.getElementById('address').textContent !== %q`, first), "a new address")
	if second := p.address(); second == first || !strings.HasSuffix(second, "@"+testDomain) {
		t.Errorf("new address: got %q after %q", second, first)
	}

	p.click("#custom-address")
	p.waitFor(`document.querySelector('#custom-domain option[value="mayfly.test"]')`, "the domain list")
	p.do(
		chromedp.SendKeys(chromedp.ID("custom-prefix"), "alice"),
		chromedp.SetValue(chromedp.ID("custom-domain"), testDomain),
		chromedp.SetValue(chromedp.ID("custom-ttl"), "1h"),
		chromedp.Click(chromedp.CSS(`#form-custom [type=submit]`)),
	)
	p.waitFor(`document.getElementById('address').textContent.startsWith('alice.')`, "the custom address")
	if got := p.address(); !strings.HasSuffix(got, "@"+testDomain) {
		t.Errorf("custom address: got %q, want alice.<tag>@%s", got, testDomain)
	}
	custom := p.token()
	_, before := inboxInfo(t, base, custom)
	if left := time.Until(before.ExpiresAt); left < 50*time.Minute || left > time.Hour {
		t.Errorf("custom inbox expires in %v, want the 1h chosen", left)
	}

	p.do(chromedp.SetValue(chromedp.ID("extend-ttl"), "24h"))
	p.click("#extend")
	p.waitFor(`document.getElementById('status').textContent.startsWith('The inbox now expires')`, "the extension")
	if _, after := inboxInfo(t, base, custom); time.Until(after.ExpiresAt) < 23*time.Hour {
		t.Errorf("after extending by 24h the inbox expires at %v, want a day from now", after.ExpiresAt)
	}
	if got := p.text("#time-left"); !strings.Contains(got, "h") {
		t.Errorf("time left after extending: got %q, want hours", got)
	}

	p.click("#delete-inbox")
	p.waitFor(`document.getElementById('dialog-delete').open`, "the delete dialog")
	p.click("#confirm-delete")
	p.waitFor(`document.getElementById('status').textContent === 'The inbox was deleted.'`, "the deletion")
	if status, _ := inboxInfo(t, base, custom); status != http.StatusUnauthorized {
		t.Errorf("the deleted inbox's token gets status %d, want 401", status)
	}
	if got := eval[string](p, `String(sessionStorage.getItem('mayfly.inbox'))`); got != "null" {
		t.Errorf("sessionStorage keeps %q after deletion, want nothing", got)
	}
	if !eval[bool](p, `document.getElementById('copy-address').disabled`) {
		t.Errorf("copy is enabled without an inbox")
	}
	// The first inbox was left alone by the new address.
	if status, _ := inboxInfo(t, base, firstToken); status != http.StatusOK {
		t.Errorf("the first inbox gets status %d, want it still open", status)
	}
	p.checkNoCookiesNoOtherOrigins(nil)
}

func TestBrowser_ReopenWithKey(t *testing.T) {
	base, _ := startEdge(t)
	p := openPage(t, base)
	first, firstToken := p.address(), p.token()

	// A reload keeps the inbox of this tab.
	p.do(chromedp.Reload())
	p.waitFor(`document.body.classList.contains('ready') && document.getElementById('address').textContent.includes('@')`, "the page after a reload")
	if got := p.address(); got != first {
		t.Errorf("after a reload the page shows %q, want %q", got, first)
	}

	// Another tab has no access: it gets an inbox of its own.
	other, cancel := chromedp.NewContext(p.ctx)
	defer cancel()
	otherPage := &page{t: t, ctx: other, base: base, requests: &requestLog{}}
	otherPage.do(chromedp.Navigate(base + "/"))
	otherPage.waitFor(`document.getElementById('address').textContent.includes('@')`, "the second tab's address")
	if got := otherPage.address(); got == first {
		t.Errorf("a new tab shows the first tab's inbox %q, want a new one", got)
	}

	// The saved key opens the first inbox there.
	otherPage.click("#open-key")
	otherPage.waitFor(`document.getElementById('dialog-open').open`, "the open dialog")
	otherPage.do(chromedp.SendKeys(chromedp.ID("open-value"), firstToken), chromedp.Click(chromedp.CSS(`#form-open [type=submit]`)))
	otherPage.waitFor(fmt.Sprintf(`document.getElementById('address').textContent === %q`, first), "the first inbox in the second tab")

	// An unknown key is rejected with a message.
	otherPage.click("#open-key")
	otherPage.do(chromedp.SendKeys(chromedp.ID("open-value"), "not-a-key"), chromedp.Click(chromedp.CSS(`#form-open [type=submit]`)))
	otherPage.waitFor(`document.getElementById('open-error').textContent.startsWith('No live inbox')`, "the rejection")
	if got := otherPage.address(); got != first {
		t.Errorf("a rejected key changed the inbox to %q", got)
	}
}
