package web_test

import (
	"bytes"
	"image/png"
	"os"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// viewports are the widths the page is checked at.
var viewports = []struct {
	name          string
	width, height int64
	mobile        bool
}{
	{"desktop", 1280, 800, false},
	{"phone", 390, 844, true},
}

func TestBrowser_Screenshots(t *testing.T) {
	base, smtpAddr := startEdge(t)
	p := openPage(t, base)
	address := p.address()
	sendMail(t, smtpAddr, address, richMessage(address, "Welcome aboard", []byte("attachment content")))
	sendMail(t, smtpAddr, address, codeMessage(address))
	p.waitFor(`document.querySelectorAll('#message-list button.row').length === 2`, "both messages")

	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			p.t = t
			p.do(chromedp.EmulateViewport(vp.width, vp.height, func(m *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
				m.Mobile = vp.mobile
			}))
			// Start from the list: the phone layout shows one pane at a time.
			eval[bool](p, `document.getElementById('reader').hidden || (document.getElementById('back').click(), true)`)
			checkNoHorizontalScroll(t, p)
			shoot(t, p, vp.name+"-inbox", vp.width)

			p.openMessage("Your sign-in code")
			checkNoHorizontalScroll(t, p)
			shoot(t, p, vp.name+"-message", vp.width)

			setDarkTheme(p, true)
			shoot(t, p, vp.name+"-message-dark", vp.width)
			setDarkTheme(p, false)
		})
	}
}

// codeMessage is a short sign-in message with a code and a link.
func codeMessage(to string) []byte {
	return []byte("From: Example Shop <no-reply@shop.example.test>\r\nTo: " + to + "\r\nSubject: Your sign-in code\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		`<div style="font-family: sans-serif; max-width: 480px"><h1 style="color: #0b57d0">Sign in to Example Shop</h1>` +
		`<p>Your verification code is <b>739104</b>. It expires in 10 minutes.</p>` +
		`<p><a href="https://shop.example.test/verify?token=q8Zt">Verify your email address</a></p></div>` + "\r\n")
}

func setDarkTheme(p *page, dark bool) {
	p.t.Helper()
	value := "light"
	if dark {
		value = "dark"
	}
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: value}},
	}); err != nil {
		p.t.Fatalf("emulate the %s theme: %v", value, err)
	}
	want := "rgb(255, 255, 255)"
	if dark {
		want = "rgb(18, 20, 22)"
	}
	if got := eval[string](p, `getComputedStyle(document.body).backgroundColor`); got != want {
		p.t.Errorf("%s theme: body background %s, want %s", value, got, want)
	}
}

// checkNoHorizontalScroll fails when the page is wider than the viewport.
func checkNoHorizontalScroll(t *testing.T, p *page) {
	t.Helper()
	if wide := eval[bool](p, `document.documentElement.scrollWidth > window.innerWidth`); wide {
		t.Errorf("the page scrolls sideways at width %d", eval[int](p, `window.innerWidth`))
	}
}

// shoot writes a screenshot and checks that it is a PNG of the viewport.
func shoot(t *testing.T, p *page, name string, width int64) {
	t.Helper()
	path := p.screenshot(name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if got := img.Bounds().Dx(); int64(got) != width {
		t.Errorf("screenshot %s is %d pixels wide, want %d", name, got, width)
	}
	t.Logf("wrote %s (%d bytes)", path, len(data))
}
