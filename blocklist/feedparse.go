package blocklist

import (
	"bufio"
	"bytes"
	"strings"
)

// FeedList is a parsed disposable-domain list.
type FeedList struct {
	// Domains holds each listed domain in canonical form.
	Domains map[string]struct{}
	// Invalid counts the lines that were neither a domain, a comment nor
	// blank; they are skipped.
	Invalid int
}

// ParseFeed parses a feed body: one domain per line, "#" starts a comment
// that runs to the end of the line, blank lines are skipped. Names are
// lower-cased and lose one trailing dot. Lines that are not a domain name
// of two or more labels are counted in Invalid and skipped, so that one
// bad line does not discard a whole list.
func ParseFeed(body []byte) FeedList {
	list := FeedList{Domains: map[string]struct{}{}}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), len(body)+1)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, err := canonicalDomain(line)
		if err != nil {
			list.Invalid++
			continue
		}
		list.Domains[name] = struct{}{}
	}
	return list
}
