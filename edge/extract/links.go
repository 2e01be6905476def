package extract

import (
	"net/url"
	"slices"
	"strings"
)

// Link is an http or https link found in a message.
type Link struct {
	URL string `json:"url"`
	// Verification is true for a link that looks like it verifies an
	// address, confirms or activates an account, resets a password or
	// signs in with a token, going by its URL, the URL it redirects to
	// and the text of its anchor. Unsubscribe, privacy, help and social
	// network links are never verification links.
	Verification bool `json:"verification"`
	// Target is the URL that a click-tracking redirect leads to, "" for a
	// direct link. URL stays the link as written, because opening the
	// target directly may skip a step the sender counts on.
	Target string `json:"target,omitempty"`
}

// urlStops are the bytes that end a URL written in text: ASCII white
// space and the characters that cannot stand in a URL unescaped.
const urlStops = " \t\n\f\r<>\"'`{}|\\^[]"

// findURLs returns where s contains an http or https URL, each running
// from its case-insensitive scheme to the first byte of urlStops.
func findURLs(s string) []span {
	var out []span
	for from := 0; ; {
		i := strings.Index(s[from:], "://")
		if i < 0 {
			return out
		}
		sep := from + i
		from = sep + 3
		start := schemeStart(s, sep)
		if start < 0 {
			continue
		}
		end := from
		for end < len(s) && strings.IndexByte(urlStops, s[end]) < 0 {
			end++
		}
		if end == from {
			continue
		}
		out = append(out, span{start, end})
		from = end
	}
}

// schemeStart returns where an http or https scheme ending at sep starts,
// or -1.
func schemeStart(s string, sep int) int {
	if sep >= 5 && strings.EqualFold(s[sep-5:sep], "https") {
		return sep - 5
	}
	if sep >= 4 && strings.EqualFold(s[sep-4:sep], "http") {
		return sep - 4
	}
	return -1
}

// Links returns every http and https link of the text body and every
// href and written URL of html, without duplicates, and nil when there is
// none.
//
// Links are in order of appearance (text body first, then html), as a
// reader meets them, except that verification links trade places among
// themselves so that the best comes first. An anchor text or URL with
// "verify", "confirm", "activate" or "reset" outranks one with only
// "sign in" and a token, and a direct link outranks a tracking redirect
// with the same score. Equal ones keep their order. So the first link with
// Verification set is the one a script should open.
func Links(text, html string) []Link {
	found := collectLinks(text, html)
	targets := make([]string, len(found))
	for i, f := range found {
		targets[i] = redirectTarget(f.url)
	}
	shareAnchorText(found, targets)

	scores := make([]int, len(found))
	out := make([]Link, len(found))
	for i, f := range found {
		scores[i] = verificationScore(f.url, targets[i], f.anchorText)
		out[i] = Link{URL: f.url, Verification: scores[i] > 0, Target: targets[i]}
	}

	if len(out) == 0 {
		return nil
	}
	rankVerificationLinks(out, scores)
	return out
}

// rankVerificationLinks reorders the verification links of links, best
// score first, within the positions they already take. The other links
// stay where they are.
func rankVerificationLinks(links []Link, scores []int) {
	var slots []int
	for i, l := range links {
		if l.Verification {
			slots = append(slots, i)
		}
	}
	ranked := slices.Clone(slots)
	slices.SortStableFunc(ranked, func(a, b int) int { return scores[b] - scores[a] })

	reordered := make([]Link, len(ranked))
	for k, i := range ranked {
		reordered[k] = links[i]
	}
	for k, slot := range slots {
		links[slot] = reordered[k]
	}
}

// foundLink is a link with the text of every anchor that points to it.
type foundLink struct {
	url        string
	anchorText string
}

// collectLinks returns the links of the text body, then the anchors of
// html, then the URLs written in its visible text, merging duplicates
// into the first occurrence.
func collectLinks(text, html string) []foundLink {
	var out []foundLink
	index := map[string]int{}
	add := func(raw, anchorText string) {
		u, ok := cleanLink(raw)
		if !ok {
			return
		}
		if i, seen := index[u]; seen {
			out[i].anchorText = strings.TrimSpace(out[i].anchorText + " " + anchorText)
			return
		}
		index[u] = len(out)
		out = append(out, foundLink{url: u, anchorText: anchorText})
	}

	text = truncate(text)
	for _, loc := range findURLs(text) {
		add(text[loc.start:loc.end], "")
	}
	content := parseHTML(html)
	for _, a := range content.anchors {
		add(a.href, a.text)
	}
	for _, loc := range findURLs(content.text) {
		add(content.text[loc.start:loc.end], "")
	}
	return out
}

// shareAnchorText gives a direct link the anchor text of every tracking
// redirect that leads to it, so that the direct link ranks first when the
// message writes it out beside a wrapped button.
func shareAnchorText(found []foundLink, targets []string) {
	index := make(map[string]int, len(found))
	for i, f := range found {
		index[f.url] = i
	}
	for i, target := range targets {
		if j, ok := index[target]; ok && target != "" {
			found[j].anchorText = strings.TrimSpace(found[j].anchorText + " " + found[i].anchorText)
		}
	}
}

// cleanLink trims the punctuation that usually ends a sentence rather than
// the URL, and reports whether the rest is an absolute http(s) URL.
func cleanLink(raw string) (string, bool) {
	s := strings.TrimRight(strings.TrimSpace(raw), ".,;:!?*")
	if strings.HasSuffix(s, ")") && !strings.Contains(s, "(") {
		s = strings.TrimRight(s, ")")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", false
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		return "", false
	}
	return s, true
}

// blankLinks replaces each URL of s with spaces of the same length, so
// that the parts of a link are not taken for codes and offsets stay put.
func blankLinks(s string) string {
	urls := findURLs(s)
	if len(urls) == 0 {
		return s
	}
	b := []byte(s)
	for _, u := range urls {
		for i := u.start; i < u.end; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}
