package blocklist_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/mayfly-mail/mayfly/blocklist"
)

func FuzzParseFeed(f *testing.F) {
	f.Add([]byte(feedBody))
	f.Add([]byte("a.test\r\nb.test\r\n"))
	f.Add([]byte("#only a comment"))
	f.Fuzz(func(t *testing.T, body []byte) {
		list := blocklist.ParseFeed(body)
		for name := range list.Domains {
			if name != strings.ToLower(name) || strings.HasSuffix(name, ".") || !strings.Contains(name, ".") {
				t.Errorf("parsed name %q is not canonical", name)
			}
			if strings.ContainsAny(name, "# \t") {
				t.Errorf("parsed name %q keeps a comment or space", name)
			}
		}
	})
}

// FuzzDecodeAnswer feeds arbitrary A records, four bytes each, to every
// decoder: a listing must name categories, and anything else must not.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(byte(0), []byte{127, 0, 1, 2})
	f.Add(byte(0), []byte{127, 255, 255, 254, 127, 0, 1, 4})
	f.Add(byte(1), []byte{127, 0, 0, 1})
	f.Add(byte(1), []byte{127, 0, 0, 84})
	f.Add(byte(2), []byte{127, 0, 0, 14})
	f.Add(byte(2), []byte{10, 0, 0, 1})
	kinds := []blocklist.Kind{blocklist.KindSpamhausDBL, blocklist.KindSURBL, blocklist.KindURIBL}
	f.Fuzz(func(t *testing.T, kind byte, raw []byte) {
		var addrs []netip.Addr
		for i := 0; i+4 <= len(raw); i += 4 {
			addrs = append(addrs, netip.AddrFrom4([4]byte(raw[i:i+4])))
		}
		a := blocklist.DecodeAnswer(kinds[int(kind)%len(kinds)], addrs)
		switch a.Verdict {
		case blocklist.Listed:
			if len(a.Categories) == 0 || a.Problem != "" {
				t.Errorf("listing %+v for %v lacks categories or carries a problem", a, addrs)
			}
		case blocklist.Clean:
			if len(addrs) != 0 {
				t.Errorf("answer %v decoded as clean", addrs)
			}
		case blocklist.NoVerdict:
			if a.Problem == "" || len(a.Categories) != 0 {
				t.Errorf("no verdict %+v for %v lacks a problem or carries categories", a, addrs)
			}
		default:
			t.Errorf("unknown verdict %q", a.Verdict)
		}
		for _, ip := range addrs {
			last := ip.As4()[3]
			if a.Verdict == blocklist.Listed && ip.As4()[0] == 127 && last&1 == 1 && kinds[int(kind)%len(kinds)] != blocklist.KindSpamhausDBL {
				t.Errorf("refusal code %v decoded as a listing", ip)
			}
		}
	})
}
