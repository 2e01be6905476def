package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/emersion/go-smtp"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
	"github.com/mayfly-mail/mayfly/edge"
)

const (
	clusterToken = "web-test-cluster-token"
	testDomain   = "mayfly.test"
	// testTimeout bounds one browser test, so that a hang fails it.
	testTimeout = 2 * time.Minute
)

// testWriter sends component logs to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startEdge starts a single-voter control plane with testDomain active and
// one edge, on loopback ports, and stops both when the test ends. It
// returns the edge's public URL and its SMTP address.
func startEdge(t *testing.T) (baseURL, smtpAddr string) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	cp, err := controlplane.Open(controlplane.Config{
		NodeID: "control-1", DataDir: t.TempDir(), RaftListen: "127.0.0.1:0", APIListen: "127.0.0.1:0",
		Bootstrap: true, OperatorToken: "web-test-operator-token", ClusterToken: clusterToken,
		Logger: logger.With("node", "control"), HeartbeatTimeout: 200 * time.Millisecond, ElectionTimeout: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("open control plane: %v", err)
	}
	t.Cleanup(func() { _ = cp.Close() })
	if err := cp.WaitLeader(ctx); err != nil {
		t.Fatalf("wait for leader: %v", err)
	}
	if _, err := cp.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{testDomain}, Region: "local"}); err != nil {
		t.Fatalf("add domain: %v", err)
	}

	cfg := config.Default().Edge
	cfg.SMTPListen, cfg.HTTPListen, cfg.InternalListen = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.ControlPlane = []string{"http://" + cp.APIAddr().String()}
	node, err := edge.Start(ctx, cfg, edge.Options{NodeID: "edge-1", DataDir: t.TempDir(), ClusterToken: clusterToken, Logger: logger.With("node", "edge")})
	if err != nil {
		t.Fatalf("start edge: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := node.Shutdown(ctx); err != nil {
			t.Errorf("stop edge: %v", err)
		}
	})
	return "http://" + node.HTTPAddr().String(), node.SMTPAddr().String()
}

// sendMail delivers raw over SMTP with go-smtp's client.
func sendMail(t *testing.T, smtpAddr, to string, raw []byte) {
	t.Helper()
	c, err := smtp.Dial(smtpAddr)
	if err != nil {
		t.Fatalf("dial smtp: %v", err)
	}
	defer c.Close()
	if err := c.Hello("client.example.test"); err != nil {
		t.Fatalf("smtp hello: %v", err)
	}
	if err := c.SendMail("sender@example.test", []string{to}, bytes.NewReader(raw)); err != nil {
		t.Fatalf("send mail to the inbox: %v", err)
	}
}

// requestLog records what the browser requested and received, from the
// network and runtime events of the page.
type requestLog struct {
	mu      sync.Mutex
	urls    []string
	cookies []string // Set-Cookie values of any response
	// events is a short history of requests, responses, failed loads,
	// console lines and exceptions, for failure messages.
	events []string
}

// maxEvents bounds the history a failure message prints.
const maxEvents = 200

func (l *requestLog) record(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		l.urls = append(l.urls, ev.Request.URL)
		l.note("request %s %s", ev.Request.Method, ev.Request.URL)
	case *network.EventResponseReceived:
		l.note("response %d %s", ev.Response.Status, ev.Response.URL)
	case *network.EventLoadingFailed:
		l.note("load failed: %s (canceled %t, blocked %q)", ev.ErrorText, ev.Canceled, ev.BlockedReason)
	case *network.EventResponseReceivedExtraInfo:
		for name, value := range ev.Headers {
			if strings.EqualFold(name, "Set-Cookie") {
				l.cookies = append(l.cookies, fmt.Sprint(value))
			}
		}
	case *runtime.EventConsoleAPICalled:
		args := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			args = append(args, a.Description+string(a.Value))
		}
		l.note("console.%s %s", ev.Type, strings.Join(args, " "))
	case *runtime.EventExceptionThrown:
		details := ev.ExceptionDetails
		text := details.Text
		if details.Exception != nil {
			text += " " + details.Exception.Description
		}
		l.note("exception at %s:%d: %s", details.URL, details.LineNumber, text)
	}
}

func (l *requestLog) note(format string, args ...any) {
	l.events = append(l.events, time.Now().Format("15:04:05.000 ")+fmt.Sprintf(format, args...))
	if len(l.events) > maxEvents {
		l.events = l.events[len(l.events)-maxEvents:]
	}
}

// history returns the recorded events, one per line.
func (l *requestLog) history() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.events, "\n")
}

func (l *requestLog) snapshot() (urls, cookies []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.urls...), append([]string(nil), l.cookies...)
}

// page is a Chromium tab on the edge's page.
type page struct {
	t         *testing.T
	ctx       context.Context
	base      string
	requests  *requestLog
	downloads string
}

// chromiumPath finds Debian's chromium, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("SKIP: chromium is not installed (Debian: apt-get install chromium)")
	return ""
}

// openPage starts a headless Chromium and opens base in it. Every host
// name resolves to nothing, so the browser can reach loopback addresses
// only. Sandboxed frames stay in the page's process, so that the page's
// network events include the requests of the message frame.
func openPage(t *testing.T, base string) *page {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.IgnoreCertErrors,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateSandboxedIframes"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelCtx)

	p := &page{t: t, base: base, requests: &requestLog{}, downloads: t.TempDir()}
	if err := chromedp.Listen(ctx, p.requests.record); err != nil {
		t.Fatalf("listen to the page's events: %v", err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: p.downloads,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: base,
		}); err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}
	// A headless tab is not focused, and the Clipboard API needs focus.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("emulate focus: %v", err)
	}

	timeoutCtx, cancel := context.WithTimeout(ctx, testTimeout)
	t.Cleanup(cancel)
	p.ctx = timeoutCtx
	p.do(chromedp.Navigate(base + "/"))
	const ready = `document.body.classList.contains('ready') && document.getElementById('address').textContent.includes('@')`
	// On a loaded machine, a freshly started Chromium has rarely shown no
	// address after its first load. The page is then loaded once more, and
	// what the browser did is printed to show the cause in the test output.
	if !p.poll(ready, firstLoadWait) {
		fmt.Fprintf(os.Stderr, "%s: the first load showed no address in %s, loading it again; the page: %s\nwhat the browser did:\n%s\n",
			t.Name(), firstLoadWait, eval[string](p, pageStateScript), p.requests.history())
		p.do(chromedp.Navigate(base + "/"))
	}
	p.waitFor(ready, "the page to show an address")
	return p
}

// firstLoadWait bounds the first load of a new browser before openPage
// loads the page again.
const firstLoadWait = 20 * time.Second

// do runs actions, failing the test on an error.
func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression, awaiting a promise.
func eval[T any](p *page, expression string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expression, func(e *runtime.EvaluateParams) {
		e.AwaitPromise = ptr(true)
	}))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expression, err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// click clicks the element with the CSS selector.
func (p *page) click(selector string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(selector)))
}

// text returns the text content of the element with the CSS selector.
func (p *page) text(selector string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf(`document.querySelector(%q).textContent`, selector))
}

// pageStateScript describes the page for a failure message: its load
// state, the body's classes and the status line.
const pageStateScript = `JSON.stringify({url: location.href, readyState: document.readyState,
	body: document.body ? document.body.className : null,
	status: (document.getElementById('status') || {}).textContent || null,
	address: (document.getElementById('address') || {}).textContent || null})`

// waitFor polls a JavaScript condition until it is true, failing the test
// after a generous deadline.
func (p *page) waitFor(condition, what string) {
	p.t.Helper()
	if !p.poll(condition, 30*time.Second) {
		p.t.Fatalf("timed out waiting for %s. The page: %s\nwhat the browser did:\n%s", what, eval[string](p, pageStateScript), p.requests.history())
	}
}

// poll evaluates a JavaScript condition until it is true or the wait has
// passed, and reports whether it became true.
func (p *page) poll(condition string, wait time.Duration) bool {
	p.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		if eval[bool](p, "Boolean("+condition+")") {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// address returns the address the page shows.
func (p *page) address() string {
	p.t.Helper()
	return strings.TrimSpace(p.text("#address"))
}

// token returns the token the page keeps in sessionStorage.
func (p *page) token() string {
	p.t.Helper()
	return eval[string](p, `JSON.parse(sessionStorage.getItem('mayfly.inbox')).token`)
}

// openMessage clicks the row of the message with the subject and waits for
// the reader to show it.
func (p *page) openMessage(subject string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#message-list button.row[aria-label*=%q]`, subject))))
	p.waitFor(fmt.Sprintf(`!document.getElementById('reader').hidden && document.getElementById('reader-subject').textContent === %q`, subject), "the message "+subject)
}

// frameHTML returns the srcdoc of the message frame.
func (p *page) frameHTML() string {
	p.t.Helper()
	return eval[string](p, `document.getElementById('view-html').srcdoc`)
}

// frameBodyText returns the text of the message frame's body, as rendered,
// through the DevTools protocol, since the page itself cannot read the
// sandboxed frame.
func (p *page) frameBodyText() string {
	p.t.Helper()
	frame, err := chromedp.Run(p.ctx, chromedp.Nodes(chromedp.CSS("#view-html")))
	if err != nil || len(frame) != 1 {
		p.t.Fatalf("find the message frame: %v", err)
	}
	text, err := chromedp.Run(p.ctx, chromedp.TextContent(chromedp.CSS("body"), chromedp.FromNode(frame[0])))
	if err != nil {
		p.t.Fatalf("read the message frame: %v", err)
	}
	return text
}

// clickInFrame clicks an element of the message frame.
func (p *page) clickInFrame(selector string) {
	p.t.Helper()
	frame, err := chromedp.Run(p.ctx, chromedp.Nodes(chromedp.CSS("#view-html")))
	if err != nil || len(frame) != 1 {
		p.t.Fatalf("find the message frame: %v", err)
	}
	p.do(chromedp.Click(chromedp.CSS(selector), chromedp.FromNode(frame[0])))
}

// waitUntil polls cond until it holds, failing the test after a generous
// deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitForDownload waits for a finished file in the download folder.
func (p *page) waitForDownload(name string, size int) []byte {
	p.t.Helper()
	path := filepath.Join(p.downloads, name)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) >= size {
			return b
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(p.downloads)
			p.t.Fatalf("timed out waiting for the download %s; the folder has %v", name, entries)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkNoCookiesNoOtherOrigins fails the test for any request to an origin
// other than the page's, except the URLs allowed, and for any cookie.
func (p *page) checkNoCookiesNoOtherOrigins(allowed func(url string) bool) {
	p.t.Helper()
	urls, setCookies := p.requests.snapshot()
	if len(urls) == 0 {
		p.t.Fatalf("recorded no request at all, want the page's own")
	}
	for _, u := range urls {
		if !sameOrigin(u, p.base) && (allowed == nil || !allowed(u)) {
			p.t.Errorf("the browser requested %s, want only %s", u, p.base)
		}
	}
	for _, c := range setCookies {
		p.t.Errorf("a response set the cookie %q, want none", c)
	}
	cookies, err := chromedp.Call(p.ctx, network.GetCookies, network.GetCookiesParams{})
	if err != nil {
		p.t.Fatalf("read cookies: %v", err)
	}
	for _, c := range cookies.Cookies {
		p.t.Errorf("the browser holds the cookie %s for %s, want none", c.Name, c.Domain)
	}
	if got := eval[string](p, `document.cookie`); got != "" {
		p.t.Errorf("document.cookie = %q, want empty", got)
	}
}

// sameOrigin accepts URLs of the page's origin, data: URLs, and blob: URLs
// that the page created.
func sameOrigin(u, base string) bool {
	switch {
	case strings.HasPrefix(u, "data:"):
		return true
	case strings.HasPrefix(u, "blob:"):
		return strings.HasPrefix(strings.TrimPrefix(u, "blob:"), base+"/")
	}
	return u == base || strings.HasPrefix(u, base+"/")
}

// screenshot saves a PNG of the viewport into the artifact folder:
// $MAYFLY_ARTIFACTS when set, else a temporary folder of the test.
func (p *page) screenshot(name string) string {
	p.t.Helper()
	dir := os.Getenv("MAYFLY_ARTIFACTS")
	if dir == "" {
		dir = p.t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatalf("create artifact folder: %v", err)
	}
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatalf("write screenshot: %v", err)
	}
	return path
}

// apiGet calls the public API with the token, outside the browser.
func apiGet(t *testing.T, base, token, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}
