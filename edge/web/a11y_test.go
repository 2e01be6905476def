package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// contrastScript returns, for each element of a selector, the contrast
// ratio of its text colour against the nearest opaque background (WCAG 2.2
// relative luminance).
const contrastScript = `(() => {
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = {};
  for (const sel of SELECTORS) {
    const el = document.querySelector(sel);
    if (!el) { out[sel] = 0; continue; }
    const a = lum(rgb(getComputedStyle(el).color).slice(0, 3)), b = lum(background(el));
    out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  return out;
})()`

var contrastSelectors = `["body", ".label", ".expiry", ".status", "#copy-address", "#delete-inbox", "#new-address", ".pane-heading", ".empty"]`

func TestBrowser_AccessibleStructure(t *testing.T) {
	base, _ := startEdge(t)
	p := openPage(t, base)

	for _, landmark := range []string{"header", "nav", "main"} {
		if n := eval[int](p, `document.querySelectorAll('`+landmark+`').length`); n != 1 {
			t.Errorf("page has %d <%s> landmarks, want 1", n, landmark)
		}
	}
	unnamed := eval[[]string](p, `[...document.querySelectorAll('button, input, select, iframe, [role=group], nav, ul, output')]
		.filter((el) => !(el.getAttribute('aria-label') || el.title || (el.labels && el.labels.length) || el.textContent.trim()))
		.map((el) => el.outerHTML.slice(0, 80))`)
	for _, el := range unnamed {
		t.Errorf("element without an accessible name: %s", el)
	}
	if got := eval[string](p, `document.documentElement.lang`); got == "" {
		t.Errorf("the page has no language")
	}

	// The first Tab reaches the skip link, which leads to the messages.
	p.do(chromedp.KeyEvent("\t"))
	if got := eval[string](p, `document.activeElement.className`); got != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}

	for _, theme := range []bool{false, true} {
		setDarkTheme(p, theme)
		ratios := eval[map[string]float64](p, "(() => { const SELECTORS = "+contrastSelectors+"; return "+contrastScript+"; })()")
		for sel, ratio := range ratios {
			if ratio < 4.5 {
				t.Errorf("dark theme %t: %s has contrast %.2f, want at least 4.5", theme, sel, ratio)
			}
		}
	}
}
