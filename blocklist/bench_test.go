package blocklist_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/blocklist"
	"github.com/mayfly-mail/mayfly/blocklist/blocklisttest"
)

// BenchmarkParseFeed parses a list of 100,000 domains, the size of the
// larger public disposable-domain lists.
func BenchmarkParseFeed(b *testing.B) {
	var sb strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&sb, "throwaway-%d.example\n", i)
	}
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if list := blocklist.ParseFeed(body); len(list.Domains) != 100_000 {
			b.Fatalf("parsed %d domains, want 100000", len(list.Domains))
		}
	}
}

// BenchmarkDNSBLCheck runs checks against the fake DBL on loopback: one
// UDP query and the decoding of its answer.
func BenchmarkDNSBLCheck(b *testing.B) {
	srv := blocklisttest.StartDNS(b)
	srv.List("listed.test.dbl.example.test", "127.0.1.2")
	resolver, err := blocklist.NewResolver(blocklist.ResolverConfig{Addr: srv.Addr, Timeout: time.Second, Retries: -1})
	if err != nil {
		b.Fatal(err)
	}
	checker, err := blocklist.NewDNSBL(blocklist.DNSBLConfig{Name: "dbl", Zone: "dbl.example.test", Kind: blocklist.KindSpamhausDBL}, resolver)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if res := checker.Check(context.Background(), "listed.test"); res.Verdict != blocklist.Listed {
			b.Fatalf("verdict = %s, want listed", res.Verdict)
		}
	}
}
