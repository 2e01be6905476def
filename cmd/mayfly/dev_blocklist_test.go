package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/blocklist/blocklisttest"
	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

const (
	testDBLZone       = "dbl.blocklist.test"
	testCheckInterval = 300 * time.Millisecond
	testRetiringGrace = 3 * time.Second
)

// blocklistConfig points the dev service at a fake DNSBL with a short
// check interval and grace period, and keeps two domains active.
func blocklistConfig(t *testing.T, resolver string) config.Config {
	t.Helper()
	cfg := testConfig(t)
	b := &cfg.Control.Blocklist
	b.Resolver = resolver
	b.Timeout = 200 * time.Millisecond
	b.Retries = 1
	b.DNSBL = []config.DNSBLZone{{Name: "dbl", Zone: testDBLZone, Kind: "spamhaus-dbl", Interval: testCheckInterval}}
	b.MinActive = 2
	b.RetiringGrace = testRetiringGrace
	cfg.Edge.RateCreate = 0 // the test creates more inboxes than a person would
	return cfg
}

func domainStatus(svc *devService, name string) state.DomainStatus {
	d, _ := svc.control.State().Domain(name)
	return d.Status
}

func TestDev_ListedDomainRotatesOut(t *testing.T) {
	fake := blocklisttest.StartDNS(t)
	svc := startTestDev(t, blocklistConfig(t, fake.Addr))
	ctx := context.Background()
	if _, err := svc.control.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"spare.test"}, Region: "local", Standby: true}); err != nil {
		t.Fatalf("add standby domain: %v", err)
	}
	early := newInbox(t, svc, apitypes.CreateInbox{Domain: "mayfly.test"})

	fake.List("mayfly.test."+testDBLZone, "127.0.1.2")

	// One check interval and one round of the leader's loop (1s) suffice;
	// the deadline leaves room for a loaded machine.
	waitUntil(t, time.Now().Add(testCheckInterval+5*time.Second), "mayfly.test retiring", func() bool {
		return domainStatus(svc, "mayfly.test") == state.Retiring
	})
	waitUntil(t, time.Now().Add(5*time.Second), "spare.test promoted", func() bool {
		return domainStatus(svc, "spare.test") == state.Active
	})
	d, _ := svc.control.State().Domain("mayfly.test")
	if !strings.Contains(d.Reason, "dbl-spam") || !strings.Contains(d.Reason, "127.0.1.2") {
		t.Errorf("reason = %q, want the listing and its evidence", d.Reason)
	}

	t.Run("no new inboxes on the listed domain", func(t *testing.T) {
		waitUntil(t, time.Now().Add(5*time.Second), "the edge to drop mayfly.test", func() bool {
			domains, err := svc.edgeClient().Domains(ctx)
			return err == nil && !slices.Contains(domains, "mayfly.test") && slices.Contains(domains, "spare.test")
		})
		for range 10 {
			created := newInbox(t, svc, apitypes.CreateInbox{})
			if strings.HasSuffix(created.Address, "@mayfly.test") {
				t.Fatalf("new inbox %s uses the listed domain", created.Address)
			}
		}
		if _, err := svc.edgeClient().CreateInbox(ctx, apitypes.CreateInbox{Domain: "mayfly.test"}); err == nil {
			t.Error("creating an inbox on the listed domain succeeded, want an error")
		}
	})

	t.Run("retiring domain keeps MX and mail", func(t *testing.T) {
		if mx := mxTargets(t, svc, "mayfly.test"); len(mx) != 1 || mx[0] != "mx1.mayfly-ops.test." {
			t.Errorf("MX while retiring = %v, want the edge's host", mx)
		}
		msg := simpleMessage(early.Address, "still here", "mail to a retiring domain")
		if err := sendMail(t, svc.smtpAddr(), "sender@sender.example.test", []string{early.Address}, msg); err != nil {
			t.Fatalf("send to the retiring domain: %v", err)
		}
		waitForMessages(t, svc, early.Token, 1)
	})

	t.Run("null MX after the grace period", func(t *testing.T) {
		waitUntil(t, time.Now().Add(testRetiringGrace+5*time.Second), "mayfly.test retired", func() bool {
			return domainStatus(svc, "mayfly.test") == state.Retired
		})
		if mx := mxTargets(t, svc, "mayfly.test"); len(mx) != 1 || mx[0] != "." {
			t.Errorf("MX after retiring = %v, want the null MX", mx)
		}
	})
}

func TestDev_ErrorAnswersNeverRetire(t *testing.T) {
	fake := blocklisttest.StartDNS(t)
	svc := startTestDev(t, blocklistConfig(t, fake.Addr))
	fake.List("mayfly.test."+testDBLZone, "127.255.255.254")
	fake.Set("mayfly-mail.test."+testDBLZone, blocklisttest.Answer{Rcode: dns.RcodeServerFailure})

	waitUntil(t, time.Now().Add(10*time.Second), "several rounds of checks", func() bool {
		return fake.Queries("mayfly.test."+testDBLZone) >= 3 && fake.Queries("mayfly-mail.test."+testDBLZone) >= 3
	})

	for _, name := range []string{"mayfly.test", "mayfly-mail.test"} {
		if got := domainStatus(svc, name); got != state.Active {
			t.Errorf("%s = %s after error answers, want active", name, got)
		}
	}
	waitUntil(t, time.Now().Add(5*time.Second), "the no-verdict results recorded", func() bool {
		latest := svc.control.State().Checks("mayfly.test").Latest["dbl"]
		return latest.Verdict == state.VerdictNoVerdict && latest.Problem == "error_code"
	})
}

// mxTargets returns the MX targets the dev DNS server answers for name.
func mxTargets(t *testing.T, svc *devService, name string) []string {
	t.Helper()
	var out []string
	for _, rr := range queryDNS(t, svc, name, dns.TypeMX).Answer {
		if mx, ok := rr.(*dns.MX); ok {
			out = append(out, mx.Mx)
		}
	}
	return out
}
