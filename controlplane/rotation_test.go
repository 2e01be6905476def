package controlplane

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/blocklist"
	"github.com/mayfly-mail/mayfly/blocklist/blocklisttest"
	"github.com/mayfly-mail/mayfly/controlplane/policy"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

const (
	testZone     = "dbl.blocklist.test"
	testInterval = 300 * time.Millisecond
)

// testRotation checks against a fake DBL, a fake SURBL, a fake URIBL and,
// when feedURL is set, a feed, with short intervals and two active domains
// per region.
func testRotation(t *testing.T, resolver, feedURL string) RotationConfig {
	t.Helper()
	cfg := blocklist.Config{
		Resolver: blocklist.ResolverConfig{Addr: resolver, Timeout: 2 * time.Second, Retries: -1},
		DNSBLs: []blocklist.DNSBLConfig{
			{Name: "dbl", Zone: testZone, Kind: blocklist.KindSpamhausDBL, Interval: testInterval},
			{Name: "surbl", Zone: "multi.surbl.test", Kind: blocklist.KindSURBL, Interval: testInterval},
			{Name: "uribl", Zone: "multi.uribl.test", Kind: blocklist.KindURIBL, Interval: testInterval},
		},
	}
	if feedURL != "" {
		cfg.Feeds = []blocklist.FeedConfig{{Name: "disposable", URL: feedURL, Interval: testInterval}}
	}
	checkers, err := blocklist.NewCheckers(cfg, nil)
	if err != nil {
		t.Fatalf("new checkers: %v", err)
	}
	return RotationConfig{
		Checkers: checkers,
		Policy:   policy.Config{MinActive: 2, RetiringGrace: time.Hour},
		Tick:     50 * time.Millisecond,
	}
}

func addPool(t *testing.T, n *Node) {
	t.Helper()
	ctx := context.Background()
	if _, err := n.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"a.test", "b.test"}, Region: "local"}); err != nil {
		t.Fatalf("add active domains: %v", err)
	}
	if _, err := n.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"spare1.test", "spare2.test"}, Region: "local", Standby: true}); err != nil {
		t.Fatalf("add standby domains: %v", err)
	}
}

func statusOf(s *state.State, name string) state.DomainStatus {
	d, _ := s.Domain(name)
	return d.Status
}

func retiringEntries(checks state.DomainChecks) int {
	n := 0
	for _, h := range checks.History {
		if h.Retired {
			n++
		}
	}
	return n
}

func TestRotation_LeaderChangeMidCheck(t *testing.T) {
	fake := blocklisttest.StartDNS(t)
	c := startClusterWith(t, func(_ int, cfg *Config) { cfg.Rotation = testRotation(t, fake.Addr, "") })
	addPool(t, c.leader())
	c.waitConverged()

	// The list answers slowly, so the leader is inside the check when it
	// stops.
	listed := "a.test." + testZone
	fake.Set(listed, blocklisttest.Answer{Addrs: []string{"127.0.1.2"}, Delay: 700 * time.Millisecond})
	before := fake.Queries(listed)
	eventually(t, "the leader to query the slow list", func() bool { return fake.Queries(listed) > before })
	old := c.leader()
	stopped := -1
	for i, n := range c.nodes {
		if n == old {
			stopped = i
		}
	}
	c.stop(stopped)

	eventually(t, "a.test retiring under the new leader", func() bool {
		l := currentLeader(c.running())
		return l != nil && statusOf(l.State(), "a.test") == state.Retiring
	})
	eventually(t, "spare1.test promoted", func() bool {
		l := currentLeader(c.running())
		return l != nil && statusOf(l.State(), "spare1.test") == state.Active
	})
	s := c.waitConverged()
	if got := statusOf(s, "spare2.test"); got != state.Standby {
		t.Errorf("spare2.test = %s, want standby: one retirement promotes one domain", got)
	}

	// The old leader comes back and leadership moves once more; the
	// rounds of every later term must neither retire a.test again nor
	// promote another domain.
	c.configs[stopped].Bootstrap = false
	c.start(stopped)
	c.waitConverged()
	if err := c.leader().Raft().LeadershipTransfer().Error(); err != nil {
		t.Fatalf("transfer leadership: %v", err)
	}
	index := c.leader().State().Index
	eventually(t, "rounds of checks under the next leader", func() bool {
		l := currentLeader(c.running())
		return l != nil && l.State().Index >= index+3
	})
	s = c.waitConverged()
	if got := retiringEntries(s.Checks("a.test")); got != 1 {
		t.Errorf("retiring history entries = %d, want 1: %+v", got, s.Checks("a.test").History)
	}
	if got := len(s.ActiveDomains("local")); got != 2 {
		t.Errorf("active domains = %d, want 2", got)
	}
	if got := statusOf(s, "spare2.test"); got != state.Standby {
		t.Errorf("spare2.test = %s after more terms, want standby", got)
	}
}

func TestRotation_ErrorAnswersNeverRetire(t *testing.T) {
	fake := blocklisttest.StartDNS(t)
	feed := blocklisttest.StartFeed(t, "# none of ours\n")
	cfg := testConfig(t, "node-1")
	cfg.Rotation = testRotation(t, fake.Addr, feed.URL)
	cfg.Rotation.CheckTimeout = 500 * time.Millisecond
	n := openNode(t, cfg)
	waitLeader(t, n)
	addPool(t, n)

	fake.List("a.test."+testZone, "127.255.255.254")
	fake.List("a.test.multi.surbl.test", "127.0.0.1")
	fake.List("a.test.multi.uribl.test", "127.0.0.1")
	fake.Set("b.test."+testZone, blocklisttest.Answer{Rcode: dns.RcodeServerFailure})
	fake.Set("b.test.multi.surbl.test", blocklisttest.Answer{Drop: true})
	fake.List("b.test.multi.uribl.test", "127.255.255.255")

	eventually(t, "every error recorded", func() bool {
		s := n.State()
		for _, name := range []string{"a.test", "b.test"} {
			for _, list := range []string{"dbl", "surbl", "uribl"} {
				if s.Checks(name).Latest[list].Verdict != state.VerdictNoVerdict {
					return false
				}
			}
		}
		return true
	})
	for _, name := range []string{"a.test", "b.test"} {
		if got := statusOf(n.State(), name); got != state.Active {
			t.Errorf("%s = %s after error answers, want active", name, got)
		}
	}
	if got := statusOf(n.State(), "spare1.test"); got != state.Standby {
		t.Errorf("spare1.test = %s, want standby", got)
	}

	status, body := call(t, n, "GET", "/metrics", "", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `mayfly_blocklist_no_verdict_total{list="surbl",problem="refused"}`) {
		t.Errorf("metrics (HTTP %d) lack the refused surbl counter:\n%s", status, body)
	}
}

func TestRotation_FeedListingRetires(t *testing.T) {
	fake := blocklisttest.StartDNS(t)
	feed := blocklisttest.StartFeed(t, "b.test\n")
	cfg := testConfig(t, "node-1")
	cfg.Rotation = testRotation(t, fake.Addr, feed.URL)
	n := openNode(t, cfg)
	waitLeader(t, n)
	addPool(t, n)

	eventually(t, "b.test retiring", func() bool { return statusOf(n.State(), "b.test") == state.Retiring })
	eventually(t, "spare1.test promoted", func() bool { return statusOf(n.State(), "spare1.test") == state.Active })
	if d, _ := n.State().Domain("b.test"); !strings.Contains(d.Reason, "disposable") {
		t.Errorf("reason = %q, want the feed's listing", d.Reason)
	}

	var pool wire.PoolResponse
	callJSON(t, n, "GET", "/v1/pool", testOperatorToken, nil, http.StatusOK, &pool)
	if len(pool.Regions) != 1 || pool.Regions[0].Active != 2 || pool.Regions[0].Retiring != 1 || pool.Regions[0].MinActive != 2 {
		t.Errorf("pool = %+v, want 2 active, 1 retiring, minimum 2", pool.Regions)
	}

	var checks wire.DomainChecksResponse
	callJSON(t, n, "GET", "/v1/domains/b.test/checks", testOperatorToken, nil, http.StatusOK, &checks)
	if retiringEntries(checks.Checks) != 1 || checks.UsefulLife == "" {
		t.Errorf("checks = %+v, want one retiring entry and a useful life", checks)
	}

	var check wire.BlocklistCheckResponse
	callJSON(t, n, "POST", "/v1/blocklist/check", testOperatorToken, wire.BlocklistCheckRequest{Domain: "b.test"}, http.StatusOK, &check)
	if len(check.Results) != 4 || check.Results[3].List != "disposable" || !check.Results[3].Retires {
		t.Errorf("check results = %+v, want 4 lists with the feed's retiring listing last", check.Results)
	}
}

func TestRotation_EmptyStandbyAlert(t *testing.T) {
	cfg := testConfig(t, "node-1")
	logger, logs := newTestLogger(t)
	cfg.Logger = logger
	cfg.Rotation = RotationConfig{Policy: policy.Config{MinActive: 5}, Tick: 50 * time.Millisecond}
	n := openNode(t, cfg)
	waitLeader(t, n)
	addPool(t, n)

	eventually(t, "both standby domains promoted", func() bool { return len(n.State().ActiveDomains("local")) == 4 })
	eventually(t, "the empty-standby log line", func() bool {
		return strings.Contains(logs.String(), "standby pool of region is empty")
	})
	_, body := call(t, n, "GET", "/metrics", "", nil)
	if !strings.Contains(string(body), `mayfly_pool_standby_empty{region="local"} 1`) {
		t.Errorf("metrics lack the empty-standby alert:\n%s", body)
	}
}

func TestRotation_MaxExposureRetires(t *testing.T) {
	cfg := testConfig(t, "node-1")
	cfg.Rotation = RotationConfig{
		Policy: policy.Config{MinActive: 2, MaxExposure: 3 * time.Second, RetiringGrace: time.Hour},
		Tick:   50 * time.Millisecond,
	}
	n := openNode(t, cfg)
	waitLeader(t, n)
	addPool(t, n)

	eventually(t, "a.test and b.test retiring after the exposure age", func() bool {
		s := n.State()
		return statusOf(s, "a.test") == state.Retiring && statusOf(s, "b.test") == state.Retiring
	})
	eventually(t, "both standby domains promoted", func() bool { return len(n.State().ActiveDomains("local")) == 2 })
	if d, _ := n.State().Domain("a.test"); !strings.Contains(d.Reason, "maximum exposure age") {
		t.Errorf("reason = %q, want the exposure age", d.Reason)
	}
}
