package mime

import (
	"strings"
	"testing"
)

var remoteOptions = SanitizeOptions{RemoteContent: true}

func TestSanitizeHTMLWith_RemoteContentKeepsHTTPSImages(t *testing.T) {
	tests := []struct {
		name  string
		input string
		keep  string
	}{
		{"image", `<img src="https://images.example.net/logo.png" alt="logo">`, `src="https://images.example.net/logo.png"`},
		{"background attribute", `<table background="https://images.example.net/bg.png"><tr><td>cell</td></tr></table>`, `background="https://images.example.net/bg.png"`},
		{"cell background", `<table><tr><td background="https://images.example.net/td.png">cell</td></tr></table>`, `background="https://images.example.net/td.png"`},
		{"style background image", `<p style="background-image: url('https://images.example.net/bg.png')">styled</p>`, `https://images.example.net/bg.png`},
		{"style background shorthand", `<div style="color: red; background: #fff url(https://images.example.net/bg.png) no-repeat">x</div>`, `https://images.example.net/bg.png`},
		{"cid image still inline", `<img src="cid:a@example.test">`, `src="cid:a@example.test"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeHTMLWith(tt.input, remoteOptions)
			if !strings.Contains(got, tt.keep) {
				t.Errorf("got %q, want it to keep %q", got, tt.keep)
			}
			if strict := SanitizeHTML(tt.input); strings.Contains(strict, "images.example.net") {
				t.Errorf("SanitizeHTML kept a remote image: %q", strict)
			}
		})
	}
}

func TestSanitizeHTMLWith_RemoteContentStillBlocksTheRest(t *testing.T) {
	tests := []struct {
		name  string
		input string
	}{
		{"script element", `<script src="https://tracker.example.net/s.js"></script>`},
		{"event handler on remote image", `<img src="https://images.example.net/a.png" onerror="alert(1)">`},
		{"plain http image", `<img src="http://tracker.example.net/p.gif">`},
		{"protocol-relative image", `<img src="//tracker.example.net/p.gif">`},
		{"srcset", `<img src="cid:a@x" srcset="https://tracker.example.net/a.png 2x">`},
		{"style element import", `<style>@import url(https://tracker.example.net/a.css);</style>`},
		{"style with two urls", `<p style="background: url(https://images.example.net/a.png), url(https://tracker.example.net/b.png)">x</p>`},
		{"style with escaped url", `<p style="background: u\72 l(https://tracker.example.net/bg.png)">x</p>`},
		{"list style image", `<ul style="list-style-image: url(https://tracker.example.net/l.png)"><li>x</li></ul>`},
		{"background on a paragraph", `<p background="https://tracker.example.net/bg.png">x</p>`},
		{"javascript background", `<table background="javascript:alert(1)"><tr><td>x</td></tr></table>`},
		{"meta refresh", `<meta http-equiv="refresh" content="0;url=https://tracker.example.net/">`},
		{"form", `<form action="https://tracker.example.net/"><input name="pw"></form>`},
		{"svg image", `<svg><image href="https://tracker.example.net/s.png"/></svg>`},
		{"iframe", `<iframe src="https://tracker.example.net/f"></iframe>`},
		{"video poster", `<video poster="https://tracker.example.net/p.jpg"></video>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeHTMLWith(tt.input, remoteOptions)
			for _, bad := range []string{"tracker.example.net", "<script", "onerror", "javascript:", "srcset", "<form", "<meta", "<svg", "<iframe", "<video"} {
				if strings.Contains(got, bad) {
					t.Errorf("got %q, want no %q", got, bad)
				}
			}
		})
	}
}

func TestParseWith_RemoteContent(t *testing.T) {
	raw := []byte("From: a@example.test\r\nContent-Type: text/html\r\n\r\n" +
		`<p>hello</p><img src="https://images.example.net/pixel.gif" alt="">` + "\r\n")
	strict, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strict.HTML, "images.example.net") {
		t.Errorf("Parse HTML = %q, want no remote image", strict.HTML)
	}
	remote, err := ParseWith(raw, ParseOptions{HTML: remoteOptions})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(remote.HTML, `src="https://images.example.net/pixel.gif"`) {
		t.Errorf("ParseWith HTML = %q, want the remote image", remote.HTML)
	}
	if remote.Text != strict.Text {
		t.Errorf("ParseWith text = %q, want %q as Parse", remote.Text, strict.Text)
	}
}
