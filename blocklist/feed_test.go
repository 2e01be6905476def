package blocklist_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/blocklist"
	"github.com/mayfly-mail/mayfly/blocklist/blocklisttest"
)

const feedBody = `# disposable domains
throwaway.test
Example.Test.   # a comment after a name
bad name here

co.uk
`

func newFeed(t *testing.T, url string, interval time.Duration) *blocklist.Feed {
	t.Helper()
	f, err := blocklist.NewFeed(blocklist.FeedConfig{Name: "disposable", URL: url, Interval: interval})
	if err != nil {
		t.Fatalf("new feed: %v", err)
	}
	return f
}

func TestFeed_Matches(t *testing.T) {
	srv := blocklisttest.StartFeed(t, feedBody)
	feed := newFeed(t, srv.URL, time.Hour)

	tests := []struct {
		domain   string
		want     blocklist.Verdict
		evidence string
	}{
		{"throwaway.test", blocklist.Listed, "listed as throwaway.test"},
		{"example.test", blocklist.Listed, "listed as example.test"},
		{"a.b.example.test", blocklist.Listed, "listed as example.test"},
		{"example.test.", blocklist.Listed, "listed as example.test"},
		{"notexample.test", blocklist.Clean, ""},
		{"mayfly.test", blocklist.Clean, ""},
		// co.uk is a public suffix, so its listing covers no registered domain.
		{"shop.co.uk", blocklist.Clean, ""},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			res := feed.Check(context.Background(), tt.domain)
			if res.Verdict != tt.want {
				t.Fatalf("verdict = %s (%s), want %s", res.Verdict, res.Detail, tt.want)
			}
			if res.Evidence != tt.evidence {
				t.Errorf("evidence = %q, want %q", res.Evidence, tt.evidence)
			}
			if tt.want == blocklist.Listed && (len(res.Categories) != 1 || res.Categories[0] != "disposable") {
				t.Errorf("categories = %v, want [disposable]", res.Categories)
			}
		})
	}
	if fetches, _ := srv.Counts(); fetches != 1 {
		t.Errorf("fetches = %d, want 1 within the interval", fetches)
	}
}

func TestFeed_ConditionalRefresh(t *testing.T) {
	srv := blocklisttest.StartFeed(t, "old.test\n")
	feed := newFeed(t, srv.URL, time.Millisecond)

	if res := feed.Check(context.Background(), "old.test"); res.Verdict != blocklist.Listed {
		t.Fatalf("first check = %s, want listed", res.Verdict)
	}
	time.Sleep(5 * time.Millisecond) // let the 1ms interval pass
	feed.Check(context.Background(), "old.test")
	if fetches, notModified := srv.Counts(); fetches != 2 || notModified != 1 {
		t.Fatalf("fetches, 304s = %d, %d; want 2, 1", fetches, notModified)
	}

	srv.SetBody("new.test\n")
	time.Sleep(5 * time.Millisecond)
	if res := feed.Check(context.Background(), "old.test"); res.Verdict != blocklist.Clean {
		t.Errorf("old.test after the list changed = %s, want clean", res.Verdict)
	}
	if res := feed.Check(context.Background(), "new.test"); res.Verdict != blocklist.Listed {
		t.Errorf("new.test after the list changed = %s, want listed", res.Verdict)
	}
}

func TestFeed_KeepsListWhenFetchFails(t *testing.T) {
	srv := blocklisttest.StartFeed(t, "kept.test\n")
	feed := newFeed(t, srv.URL, time.Millisecond)
	if res := feed.Check(context.Background(), "kept.test"); res.Verdict != blocklist.Listed {
		t.Fatalf("first check = %s, want listed", res.Verdict)
	}

	srv.FailWith(http.StatusInternalServerError)
	time.Sleep(5 * time.Millisecond)
	if res := feed.Check(context.Background(), "kept.test"); res.Verdict != blocklist.Listed {
		t.Errorf("check after a failed fetch = %s, want listed from the kept list", res.Verdict)
	}
}

func TestFeed_NeverFetched(t *testing.T) {
	srv := blocklisttest.StartFeed(t, "x.test\n")
	srv.FailWith(http.StatusNotFound)
	res := newFeed(t, srv.URL, time.Hour).Check(context.Background(), "x.test")
	if res.Verdict != blocklist.NoVerdict || res.Problem != blocklist.ProblemFeed {
		t.Errorf("result = %s/%s, want %s/%s", res.Verdict, res.Problem, blocklist.NoVerdict, blocklist.ProblemFeed)
	}
}

func TestFeed_SizeLimit(t *testing.T) {
	srv := blocklisttest.StartFeed(t, strings.Repeat("a-long-disposable-name.test\n", 100))
	feed, err := blocklist.NewFeed(blocklist.FeedConfig{Name: "small", URL: srv.URL, MaxSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	res := feed.Check(context.Background(), "a-long-disposable-name.test")
	if res.Verdict != blocklist.NoVerdict || res.Problem != blocklist.ProblemFeed {
		t.Errorf("result of an oversized feed = %s/%s, want %s/%s", res.Verdict, res.Problem, blocklist.NoVerdict, blocklist.ProblemFeed)
	}
}

func TestParseFeed_Lines(t *testing.T) {
	list := blocklist.ParseFeed([]byte(feedBody))
	for _, want := range []string{"throwaway.test", "example.test", "co.uk"} {
		if _, ok := list.Domains[want]; !ok {
			t.Errorf("domains lack %q: %v", want, list.Domains)
		}
	}
	if len(list.Domains) != 3 {
		t.Errorf("domains = %v, want 3", list.Domains)
	}
	if list.Invalid != 1 {
		t.Errorf("invalid lines = %d, want 1", list.Invalid)
	}
}

func TestNewFeed_RejectsBadURL(t *testing.T) {
	for _, raw := range []string{"", "ftp://lists.example.test/x", "/relative", "http://"} {
		if _, err := blocklist.NewFeed(blocklist.FeedConfig{Name: "x", URL: raw}); err == nil {
			t.Errorf("NewFeed with URL %q succeeded, want an error", raw)
		}
	}
}

func TestFeed_IfModifiedSince(t *testing.T) {
	const stamp = "Fri, 04 Dec 2026 10:00:00 GMT"
	var conditional []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conditional = append(conditional, r.Header.Get("If-Modified-Since"))
		if r.Header.Get("If-Modified-Since") == stamp {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Last-Modified", stamp)
		_, _ = w.Write([]byte("dated.test\n"))
	}))
	defer srv.Close()
	feed := newFeed(t, srv.URL, time.Millisecond)

	feed.Check(context.Background(), "dated.test")
	time.Sleep(5 * time.Millisecond)
	res := feed.Check(context.Background(), "dated.test")

	if len(conditional) != 2 || conditional[0] != "" || conditional[1] != stamp {
		t.Errorf("If-Modified-Since of the requests = %q, want none, then %q", conditional, stamp)
	}
	if res.Verdict != blocklist.Listed {
		t.Errorf("verdict after 304 = %s, want listed from the kept list", res.Verdict)
	}
}
