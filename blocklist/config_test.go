package blocklist_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/mayfly-mail/mayfly/blocklist"
)

func TestNewCheckers_NoResolverTurnsDNSBLOff(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := blocklist.Config{
		DNSBLs: []blocklist.DNSBLConfig{{Name: "dbl", Zone: "dbl.example.test", Kind: blocklist.KindSpamhausDBL}},
		Feeds:  []blocklist.FeedConfig{{Name: "disposable", URL: "http://127.0.0.1:9/list.txt"}},
	}
	checkers, err := blocklist.NewCheckers(cfg, logger)
	if err != nil {
		t.Fatalf("new checkers: %v", err)
	}
	if len(checkers) != 1 || checkers[0].Name() != "disposable" {
		t.Errorf("checkers = %d, want only the feed", len(checkers))
	}
	if !strings.Contains(logs.String(), "DNSBL checks are off") {
		t.Errorf("logs = %q, want a line saying DNSBL checks are off", logs.String())
	}
}

func TestNewCheckers_DuplicateNames(t *testing.T) {
	cfg := blocklist.Config{
		Resolver: blocklist.ResolverConfig{Addr: "127.0.0.1:53"},
		DNSBLs:   []blocklist.DNSBLConfig{{Name: "x", Zone: "dbl.example.test", Kind: blocklist.KindSpamhausDBL}},
		Feeds:    []blocklist.FeedConfig{{Name: "x", URL: "http://127.0.0.1:9/list.txt"}},
	}
	if _, err := blocklist.NewCheckers(cfg, nil); err == nil {
		t.Error("two lists named x: got no error, want one")
	}
}
