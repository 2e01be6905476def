package blocklist_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/blocklist"
	"github.com/mayfly-mail/mayfly/blocklist/blocklisttest"
)

// newChecker builds a DNSBL checker against the fake server with short
// timeouts, so that a dropped query fails fast.
func newChecker(t *testing.T, srv *blocklisttest.DNS, cfg blocklist.DNSBLConfig) *blocklist.DNSBL {
	t.Helper()
	resolver, err := blocklist.NewResolver(blocklist.ResolverConfig{
		Addr: srv.Addr, Timeout: 200 * time.Millisecond, Retries: 1, Backoff: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("new resolver: %v", err)
	}
	d, err := blocklist.NewDNSBL(cfg, resolver)
	if err != nil {
		t.Fatalf("new DNSBL: %v", err)
	}
	return d
}

func TestDNSBL_Answers(t *testing.T) {
	srv := blocklisttest.StartDNS(t)
	dbl := blocklist.DNSBLConfig{Name: "dbl", Zone: "dbl.example.test", Kind: blocklist.KindSpamhausDBL}
	surbl := blocklist.DNSBLConfig{Name: "surbl", Zone: "multi.surbl.example.test", Kind: blocklist.KindSURBL}
	uribl := blocklist.DNSBLConfig{Name: "uribl", Zone: "multi.uribl.example.test", Kind: blocklist.KindURIBL}

	tests := []struct {
		name        string
		list        blocklist.DNSBLConfig
		domain      string
		answer      *blocklisttest.Answer // nil: NXDOMAIN
		wantVerdict blocklist.Verdict
		wantCats    []string
		wantProblem blocklist.Problem
		wantEvid    string
	}{
		{name: "dbl not listed", list: dbl, domain: "clean.test", wantVerdict: blocklist.Clean, wantEvid: "NXDOMAIN"},
		{name: "dbl spam", list: dbl, domain: "spam.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.1.2"}},
			wantVerdict: blocklist.Listed, wantCats: []string{"dbl-spam"}, wantEvid: "127.0.1.2"},
		{name: "dbl phishing and malware", list: dbl, domain: "phish.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.1.5", "127.0.1.4"}},
			wantVerdict: blocklist.Listed, wantCats: []string{"dbl-malware", "dbl-phishing"}},
		{name: "dbl botnet", list: dbl, domain: "cc.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.1.6"}},
			wantVerdict: blocklist.Listed, wantCats: []string{"dbl-botnet-cc"}},
		{name: "dbl abused redirector", list: dbl, domain: "redir.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.1.103"}},
			wantVerdict: blocklist.Listed, wantCats: []string{"dbl-abused-redirector"}},
		{name: "dbl ip query error", list: dbl, domain: "ipq.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.1.255"}},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemErrorCode},
		{name: "dbl typo error", list: dbl, domain: "typo.test", answer: &blocklisttest.Answer{Addrs: []string{"127.255.255.252"}},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemErrorCode},
		{name: "dbl public resolver", list: dbl, domain: "open.test", answer: &blocklisttest.Answer{Addrs: []string{"127.255.255.254"}},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemErrorCode},
		{name: "dbl excessive queries", list: dbl, domain: "many.test", answer: &blocklisttest.Answer{Addrs: []string{"127.255.255.255"}},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemErrorCode},
		{name: "dbl error beside listing", list: dbl, domain: "mixed.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.1.2", "127.255.255.254"}},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemErrorCode},
		{name: "dbl rewritten nxdomain", list: dbl, domain: "hijack.test", answer: &blocklisttest.Answer{Addrs: []string{"192.0.2.80"}},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemUnexpected},
		{name: "dbl servfail", list: dbl, domain: "broken.test", answer: &blocklisttest.Answer{Rcode: dns.RcodeServerFailure},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemResolver},
		{name: "dbl resolver refused", list: dbl, domain: "norecurse.test", answer: &blocklisttest.Answer{Rcode: dns.RcodeRefused},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemResolver},
		{name: "dbl timeout", list: dbl, domain: "slow.test", answer: &blocklisttest.Answer{Drop: true},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemResolver},
		{name: "dbl empty answer", list: dbl, domain: "nodata.test", answer: &blocklisttest.Answer{},
			wantVerdict: blocklist.Clean},
		{name: "surbl disposable", list: surbl, domain: "dm.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.0.4"}},
			wantVerdict: blocklist.Listed, wantCats: []string{"surbl-dm"}},
		{name: "surbl malware and abuse", list: surbl, domain: "mwabuse.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.0.80"}},
			wantVerdict: blocklist.Listed, wantCats: []string{"surbl-abuse", "surbl-mw"}},
		{name: "surbl refused", list: surbl, domain: "blocked.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.0.1"}},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemRefused},
		{name: "surbl not listed", list: surbl, domain: "fine.test", wantVerdict: blocklist.Clean},
		{name: "uribl black", list: uribl, domain: "black.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.0.2"}},
			wantVerdict: blocklist.Listed, wantCats: []string{"uribl-black"}},
		{name: "uribl grey and red", list: uribl, domain: "greyred.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.0.12"}},
			wantVerdict: blocklist.Listed, wantCats: []string{"uribl-grey", "uribl-red"}},
		{name: "uribl refused", list: uribl, domain: "refused.test", answer: &blocklisttest.Answer{Addrs: []string{"127.0.0.1"}},
			wantVerdict: blocklist.NoVerdict, wantProblem: blocklist.ProblemRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.answer != nil {
				srv.Set(tt.domain+"."+tt.list.Zone, *tt.answer)
			}
			res := newChecker(t, srv, tt.list).Check(context.Background(), strings.ToUpper(tt.domain)+".")

			if res.Verdict != tt.wantVerdict {
				t.Fatalf("verdict = %s (%s: %s), want %s", res.Verdict, res.Problem, res.Detail, tt.wantVerdict)
			}
			if !slices.Equal(res.Categories, tt.wantCats) {
				t.Errorf("categories = %v, want %v", res.Categories, tt.wantCats)
			}
			if res.Problem != tt.wantProblem {
				t.Errorf("problem = %q, want %q", res.Problem, tt.wantProblem)
			}
			if tt.wantEvid != "" && res.Evidence != tt.wantEvid {
				t.Errorf("evidence = %q, want %q", res.Evidence, tt.wantEvid)
			}
			if res.List != tt.list.Name || res.Domain != tt.domain || res.CheckedAt.IsZero() {
				t.Errorf("result = %+v, want list %s, domain %s and a check time", res, tt.list.Name, tt.domain)
			}
		})
	}
}

func TestDNSBL_RetriesThenSucceeds(t *testing.T) {
	srv := blocklisttest.StartDNS(t)
	name := "flaky.test.dbl.example.test"
	srv.Set(name, blocklisttest.Answer{Rcode: dns.RcodeServerFailure})
	checker := newChecker(t, srv, blocklist.DNSBLConfig{Name: "dbl", Zone: "dbl.example.test", Kind: blocklist.KindSpamhausDBL})

	res := checker.Check(context.Background(), "flaky.test")
	if res.Verdict != blocklist.NoVerdict {
		t.Fatalf("verdict = %s, want %s", res.Verdict, blocklist.NoVerdict)
	}
	if got := srv.Queries(name); got != 2 {
		t.Errorf("queries = %d, want 2 (one attempt and one retry)", got)
	}

	srv.List(name, "127.0.1.2")
	if res := checker.Check(context.Background(), "flaky.test"); res.Verdict != blocklist.Listed {
		t.Errorf("verdict after recovery = %s, want %s", res.Verdict, blocklist.Listed)
	}
}

func TestDNSBL_DailyBudget(t *testing.T) {
	srv := blocklisttest.StartDNS(t)
	checker := newChecker(t, srv, blocklist.DNSBLConfig{
		Name: "dbl", Zone: "dbl.example.test", Kind: blocklist.KindSpamhausDBL, DailyBudget: 2,
	})
	for i := range 2 {
		if res := checker.Check(context.Background(), "a.test"); res.Verdict != blocklist.Clean {
			t.Fatalf("check %d: verdict = %s, want %s", i, res.Verdict, blocklist.Clean)
		}
	}
	res := checker.Check(context.Background(), "a.test")
	if res.Verdict != blocklist.NoVerdict || res.Problem != blocklist.ProblemBudget {
		t.Errorf("third check = %s/%s, want %s/%s", res.Verdict, res.Problem, blocklist.NoVerdict, blocklist.ProblemBudget)
	}
	if got := srv.Queries("a.test.dbl.example.test"); got != 2 {
		t.Errorf("queries = %d, want 2", got)
	}
}

func TestDNSBL_DQSKey(t *testing.T) {
	srv := blocklisttest.StartDNS(t)
	const key = "k3y0fthequerier"
	srv.List("listed.test."+key+".dbl.dq.example.test", "127.0.1.4")
	srv.Set("slow.test."+key+".dbl.dq.example.test", blocklisttest.Answer{Drop: true})
	checker := newChecker(t, srv, blocklist.DNSBLConfig{
		Name: "dbl-dqs", Zone: "dbl.dq.example.test", Kind: blocklist.KindSpamhausDBL, DQSKey: key,
	})

	res := checker.Check(context.Background(), "listed.test")
	if res.Verdict != blocklist.Listed || !slices.Equal(res.Categories, []string{"dbl-phishing"}) {
		t.Errorf("listed = %s %v, want listed [dbl-phishing]", res.Verdict, res.Categories)
	}
	res = checker.Check(context.Background(), "slow.test")
	if res.Verdict != blocklist.NoVerdict {
		t.Fatalf("timeout verdict = %s, want %s", res.Verdict, blocklist.NoVerdict)
	}
	if strings.Contains(res.Detail, key) || strings.Contains(res.Evidence, key) {
		t.Errorf("result quotes the DQS key: %+v", res)
	}
}

func TestNewDNSBL_RejectsBadConfig(t *testing.T) {
	resolver, err := blocklist.NewResolver(blocklist.ResolverConfig{Addr: "127.0.0.1:53"})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]blocklist.DNSBLConfig{
		"no name":      {Zone: "dbl.example.test", Kind: blocklist.KindSpamhausDBL},
		"unknown kind": {Name: "x", Zone: "dbl.example.test", Kind: "rbl"},
		"bad zone":     {Name: "x", Zone: "not a zone", Kind: blocklist.KindSURBL},
		"dqs on surbl": {Name: "x", Zone: "multi.example.test", Kind: blocklist.KindSURBL, DQSKey: "abc"},
		"dqs with dot": {Name: "x", Zone: "dbl.example.test", Kind: blocklist.KindSpamhausDBL, DQSKey: "a.b"},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := blocklist.NewDNSBL(cfg, resolver); err == nil {
				t.Errorf("NewDNSBL(%+v) succeeded, want an error", cfg)
			}
		})
	}
}
