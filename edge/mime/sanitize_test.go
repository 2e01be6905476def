package mime

import (
	"strings"
	"sync"
	"testing"
)

func TestSanitizeHTML_RemovesScriptAndRemoteLoads(t *testing.T) {
	tests := []struct {
		name  string
		input string
		keep  string // text that must survive, "" for none
	}{
		{"script element", `<p>a</p><script>alert(1)</script>`, "<p>a</p>"},
		{"event handler", `<p onclick="alert(1)" onmouseover=x>text</p>`, "text"},
		{"javascript link", `<a href="javascript:alert(1)">link</a>`, "link"},
		{"javascript link with entity tab", `<a href="jav&#x09;ascript:alert(1)">link</a>`, "link"},
		{"vbscript link", `<a href="vbscript:msgbox(1)">link</a>`, "link"},
		{"data html link", `<a href="data:text/html,<script>alert(1)</script>">link</a>`, "link"},
		{"remote image", `<img src="https://tracker.example.net/p.gif" alt="pixel">`, ""},
		{"protocol-relative image", `<img src="//tracker.example.net/p.gif">`, ""},
		{"remote srcset on cid image", `<img src="cid:a@example.test" srcset="https://tracker.example.net/a.png 2x">`, `src="cid:a@example.test"`},
		{"lowsrc and dynsrc", `<img src="cid:a@x" lowsrc="http://tracker.example.net/l" dynsrc="http://tracker.example.net/d">`, `src="cid:a@x"`},
		{"background attribute", `<table background="https://tracker.example.net/bg.png"><tr><td>cell</td></tr></table>`, "cell"},
		{"style with url", `<p style="background-image: url('https://tracker.example.net/bg.png')">styled</p>`, "styled"},
		{"style with escaped url", `<p style="background: u\72 l(https://tracker.example.net/bg.png)">styled</p>`, "styled"},
		{"style element", `<style>@import url(https://tracker.example.net/a.css);</style><p>x</p>`, "<p>x</p>"},
		{"link element", `<link rel="stylesheet" href="https://tracker.example.net/a.css"><p>x</p>`, "<p>x</p>"},
		{"base element", `<base href="https://tracker.example.net/"><p>x</p>`, "<p>x</p>"},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://tracker.example.net/"><p>x</p>`, "<p>x</p>"},
		{"form", `<form action="https://collector.example.net/"><input name="pw"><button formaction="https://collector.example.net/b">go</button></form>`, ""},
		{"iframe", `<iframe src="https://tracker.example.net/f"></iframe><p>x</p>`, "<p>x</p>"},
		{"iframe srcdoc", `<iframe srcdoc="<script>alert(1)</script>"></iframe>`, ""},
		{"object and embed", `<object data="https://tracker.example.net/o"></object><embed src="https://tracker.example.net/e">`, ""},
		{"video poster", `<video poster="https://tracker.example.net/p.jpg"></video>`, ""},
		{"audio source", `<audio><source src="https://tracker.example.net/a.mp3"></audio>`, ""},
		{"picture source", `<picture><source srcset="https://tracker.example.net/p.webp"><img src="cid:p@x"></picture>`, `src="cid:p@x"`},
		{"svg image", `<svg><image href="https://tracker.example.net/s.png"/></svg>`, ""},
		{"svg onload", `<svg onload="alert(1)"><circle r="4"/></svg>`, ""},
		{"math style confusion", `<math><mtext><table><mglyph><style><img src=x onerror=alert(5)></style></mglyph></table></mtext></math>`, ""},
		{"noscript revival", `<noscript><p title="</noscript><img src=https://tracker.example.net/n.gif>"></p></noscript>`, ""},
		{"svg data image", `<img src="data:image/svg+xml;base64,PHN2Zy8+">`, ""},
		{"relative image", `<img src="/api/v1/inbox">`, ""},
		{"input image", `<input type="image" src="https://tracker.example.net/i.png">`, ""},
		{"comment", `<!--[if IE]><img src="https://tracker.example.net/c.gif"><![endif]--><p>x</p>`, "<p>x</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeHTML(tt.input)
			assertSafeHTML(t, got)
			if strings.Contains(got, "tracker.example.net") || strings.Contains(got, "collector.example.net") {
				t.Errorf("got %q, want no remote host left", got)
			}
			if tt.keep != "" && !strings.Contains(got, tt.keep) {
				t.Errorf("got %q, want it to keep %q", got, tt.keep)
			}
		})
	}
}

func TestSanitizeHTML_KeepsSafeContent(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"paragraph", `<p>Hello <b>Bob</b></p>`, `<p>Hello <b>Bob</b></p>`},
		{"cid image", `<img src="cid:logo.1@example.test" alt="logo">`, `<img src="cid:logo.1@example.test" alt="logo">`},
		{"data image", `<img src="data:image/png;base64,iVBORw0KGgo=">`, `<img src="data:image/png;base64,iVBORw0KGgo=">`},
		{"table", `<table><tr><td>cell</td></tr></table>`, `<td>cell</td>`},
		{"safe style", `<p style="color: red; font-weight: bold">x</p>`, `style="color: red; font-weight: bold"`},
		{"font color", `<font color="#ff0000">red</font>`, `<font color="#ff0000">red</font>`},
		{"table bgcolor", `<table bgcolor="#eeeeee"><tr><td>x</td></tr></table>`, `bgcolor="#eeeeee"`},
		{"mailto link", `<a href="mailto:bob@example.test">mail</a>`, `href="mailto:bob@example.test"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeHTML(tt.input)
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
			assertSafeHTML(t, got)
		})
	}
}

func TestSanitizeHTML_LinksOpenSafely(t *testing.T) {
	got := SanitizeHTML(`<a href="https://example.test/path?q=1" rel="opener" target="_self">site</a> <a href="mailto:a@example.test">mail</a>`)

	links := elementsByName(t, got, "a")
	if len(links) != 2 {
		t.Fatalf("links: got %d in %q, want 2", len(links), got)
	}
	for _, a := range links {
		rel, _ := attributeValue(a, "rel")
		target, _ := attributeValue(a, "target")
		if rel != "noopener noreferrer nofollow" {
			t.Errorf("rel: got %q, want %q", rel, "noopener noreferrer nofollow")
		}
		if target != "_blank" {
			t.Errorf("target: got %q, want %q", target, "_blank")
		}
	}
	href, _ := attributeValue(links[0], "href")
	if href != "https://example.test/path?q=1" {
		t.Errorf("href: got %q, want %q", href, "https://example.test/path?q=1")
	}
}

// TestSanitizeHTML_ConcurrentUse runs the shared policy from several
// goroutines, so that the race detector can report shared mutable state.
func TestSanitizeHTML_ConcurrentUse(t *testing.T) {
	const input = `<p style="color: red" onclick="x()">a <a href="https://example.test/">b</a> <img src="cid:c@x"></p>`
	want := SanitizeHTML(input)

	var wg sync.WaitGroup
	results := make([]string, 8)
	for i := range results {
		wg.Go(func() {
			results[i] = SanitizeHTML(input)
		})
	}
	wg.Wait()
	for i, got := range results {
		if got != want {
			t.Errorf("goroutine %d: got %q, want %q", i, got, want)
		}
	}
}

func TestResolveContentIDs_RewritesOnlyKnownReferences(t *testing.T) {
	attachments := []Attachment{
		{Index: 0, ContentID: "logo@example.test"},
		{Index: 1, ContentID: "Photo@Example.Test"},
	}
	input := SanitizeHTML(`<p><img src="cid:logo@example.test" alt="a"><img src="cid:photo%40example.test" alt="b"><img src="cid:missing@example.test" alt="c"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="d"></p>`)

	got := ResolveContentIDs(input, attachments, func(a Attachment) string {
		return []string{"/a/0", "/a/1"}[a.Index]
	})

	wantSources := map[string]string{"a": "/a/0", "b": "/a/1", "c": "", "d": "data:image/gif;base64,R0lGODlhAQABAAAAACw="}
	for _, img := range elementsByName(t, got, "img") {
		alt, _ := attributeValue(img, "alt")
		src, _ := attributeValue(img, "src")
		if src != wantSources[alt] {
			t.Errorf("image %q: got src %q, want %q", alt, src, wantSources[alt])
		}
	}
	if strings.Contains(got, "cid:") {
		t.Errorf("got %q, want no cid: URL left", got)
	}
}
