package blocklist

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Defaults of a feed.
const (
	DefaultFeedInterval = 24 * time.Hour
	DefaultFeedMaxSize  = 16 << 20
	defaultFeedTimeout  = 30 * time.Second
	// feedRetryInterval is the wait after a failed fetch, shorter than the
	// interval so that an outage of the feed's server costs little.
	feedRetryInterval = 10 * time.Minute
)

// FeedConfig configures one disposable-domain list feed.
type FeedConfig struct {
	// Name identifies the list in results, logs and metrics.
	Name string
	// URL is the http or https URL of the list.
	URL string
	// Interval is how often the list is fetched again and how often a
	// domain is checked against it; zero means 24h.
	Interval time.Duration
	// MaxSize bounds the body in bytes; zero means 16 MiB.
	MaxSize int64
	// Client sends the requests; nil means a client with a 30s timeout.
	Client *http.Client
	// Logger receives fetch outcomes; nil means slog.Default().
	Logger *slog.Logger
}

// Feed checks domains against a disposable-domain list fetched over HTTP.
// It fetches the list on the first check and again once the interval has
// passed, with the validators of the last reply, and keeps the last good
// list when a fetch fails. It is safe for concurrent use.
type Feed struct {
	cfg FeedConfig
	now func() time.Time

	fetchMu sync.Mutex // one fetch at a time

	mu           sync.RWMutex
	domains      map[string]struct{}
	etag         string
	lastModified string
	nextFetch    time.Time
	loaded       bool
}

var _ Checker = (*Feed)(nil)

// NewFeed checks the configuration and returns the feed. It fetches nothing
// yet.
func NewFeed(cfg FeedConfig) (*Feed, error) {
	if cfg.Name == "" {
		return nil, errors.New("invalid feed: name is missing")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid feed %s: URL %q: want an http:// or https:// URL", cfg.Name, cfg.URL)
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultFeedInterval
	}
	if cfg.MaxSize == 0 {
		cfg.MaxSize = DefaultFeedMaxSize
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: defaultFeedTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Feed{cfg: cfg, now: time.Now}, nil
}

// Name returns the list's configured name.
func (f *Feed) Name() string { return f.cfg.Name }

// Interval returns the feed's fetch and check interval.
func (f *Feed) Interval() time.Duration { return f.cfg.Interval }

// Check fetches the list when it is due and looks the domain up. A listing
// of the domain or of any parent down to its registered domain (the public
// suffix plus one label) counts.
func (f *Feed) Check(ctx context.Context, domain string) Result {
	f.refresh(ctx)
	res := Result{List: f.cfg.Name, Domain: domain}
	name, err := canonicalDomain(domain)
	if err != nil {
		return f.finish(res, NoVerdict, ProblemInvalid, err.Error())
	}
	res.Domain = name

	f.mu.RLock()
	loaded, domains := f.loaded, f.domains
	f.mu.RUnlock()
	if !loaded {
		return f.finish(res, NoVerdict, ProblemFeed, "the list has not been fetched yet")
	}
	if entry, ok := matchListed(domains, name); ok {
		res.Categories = []string{"disposable"}
		res.Evidence = "listed as " + entry
		return f.finish(res, Listed, "", "")
	}
	return f.finish(res, Clean, "", "")
}

func (f *Feed) finish(res Result, v Verdict, p Problem, detail string) Result {
	res.Verdict, res.Problem, res.Detail = v, p, detail
	res.CheckedAt = f.now().UTC()
	return res
}

// matchListed looks up name and each parent of it that is still at or
// below its registered domain, so that a listing of example.com covers
// a.example.com but a listing of a public suffix covers nothing.
func matchListed(domains map[string]struct{}, name string) (string, bool) {
	registered, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		registered = name
	}
	for candidate := name; ; {
		if _, ok := domains[candidate]; ok {
			return candidate, true
		}
		if candidate == registered {
			return "", false
		}
		_, parent, found := strings.Cut(candidate, ".")
		if !found || len(parent) < len(registered) {
			return "", false
		}
		candidate = parent
	}
}

// refresh fetches the list when it is due. Concurrent callers wait for one
// fetch rather than starting their own.
func (f *Feed) refresh(ctx context.Context) {
	f.fetchMu.Lock()
	defer f.fetchMu.Unlock()
	f.mu.RLock()
	due := !f.now().Before(f.nextFetch)
	f.mu.RUnlock()
	if !due {
		return
	}

	err := f.fetch(ctx)
	if err != nil && ctx.Err() != nil {
		return // the caller gave up, which says nothing about the feed
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		f.nextFetch = f.now().Add(min(f.cfg.Interval, feedRetryInterval))
		f.cfg.Logger.Warn("blocklist feed fetch failed, keeping the previous list",
			"list", f.cfg.Name, "have_list", f.loaded, "error", err)
		return
	}
	f.nextFetch = f.now().Add(f.cfg.Interval)
}

// fetch sends a conditional GET and stores a changed list.
func (f *Feed) fetch(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.cfg.URL, nil)
	if err != nil {
		return fmt.Errorf("fetch feed %s: %w", f.cfg.Name, err)
	}
	f.mu.RLock()
	if f.etag != "" {
		req.Header.Set("If-None-Match", f.etag)
	}
	if f.lastModified != "" {
		req.Header.Set("If-Modified-Since", f.lastModified)
	}
	f.mu.RUnlock()

	resp, err := f.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch feed %s: %w", f.cfg.Name, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && f.hasList():
		f.cfg.Logger.Debug("blocklist feed unchanged", "list", f.cfg.Name)
		return nil
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("fetch feed %s: HTTP status %d, want 200", f.cfg.Name, resp.StatusCode)
	}

	body, err := readLimited(resp.Body, f.cfg.MaxSize)
	if err != nil {
		return fmt.Errorf("fetch feed %s: %w", f.cfg.Name, err)
	}
	list := ParseFeed(body)
	f.store(list, resp.Header)
	f.cfg.Logger.Info("blocklist feed loaded", "list", f.cfg.Name, "domains", len(list.Domains), "invalid_lines", list.Invalid)
	return nil
}

func (f *Feed) hasList() bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.loaded
}

func (f *Feed) store(list FeedList, h http.Header) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.domains = list.Domains
	f.etag = h.Get("ETag")
	f.lastModified = h.Get("Last-Modified")
	f.loaded = true
}

// readLimited reads r to the end, failing when it holds more than max
// bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("body is larger than the limit of %d bytes", max)
	}
	return body, nil
}
