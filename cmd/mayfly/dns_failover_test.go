package main

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// dnsProber sends MX queries to one server at a steady pace and counts the
// queries that got no answer.
type dnsProber struct {
	addr     string
	sent     atomic.Int64
	failures atomic.Int64
	lastErr  atomic.Value
}

func (p *dnsProber) run(ctx context.Context, wg *sync.WaitGroup) {
	defer wg.Done()
	client := &dns.Client{Timeout: time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		m := new(dns.Msg)
		m.SetQuestion("mayfly.test.", dns.TypeMX)
		reply, _, err := client.Exchange(m, p.addr)
		p.sent.Add(1)
		switch {
		case err != nil:
			p.failures.Add(1)
			p.lastErr.Store(err.Error())
		case reply.Rcode != dns.RcodeSuccess || len(reply.Answer) == 0:
			p.failures.Add(1)
			p.lastErr.Store(dns.RcodeToString[reply.Rcode] + " without an MX answer")
		}
	}
}

// Followers keep answering DNS from their replica while the leader stops
// and a new one is elected: not one query fails.
func TestControl_FollowersAnswerDNSWhileLeaderStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nodes := startControlCluster(ctx, t)
	reg := wire.EdgeRegistration{ID: "edge-1", Region: "local", MXHost: "mx1.mayfly-ops.test", Addrs: []string{"127.0.0.1"}}
	if _, err := nodes[0].node.RegisterEdge(ctx, reg); err != nil {
		t.Fatalf("register edge: %v", err)
	}
	domains, err := nodes[0].node.AddDomains(ctx, wire.AddDomainsRequest{Names: []string{"mayfly.test"}, Region: "local"})
	if err != nil {
		t.Fatalf("add domain: %v", err)
	}
	waitForSerialEverywhere(t, nodes, domains[0].Serial)

	// Joined nodes vote only after autopilot's stabilization time; before
	// that, losing the leader would leave no quorum.
	waitUntil(t, time.Now().Add(time.Minute), "three voters", func() bool {
		voters := 0
		for _, p := range nodes[0].node.Status().Peers {
			if p.Voter {
				voters++
			}
		}
		return voters == 3
	})

	leader := -1
	for i, svc := range nodes {
		if svc.node.Status().State == "Leader" {
			leader = i
		}
	}
	if leader < 0 {
		t.Fatal("no node reports itself leader")
	}

	probeCtx, stopProbes := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var probers []*dnsProber
	for i, svc := range nodes {
		if i == leader {
			continue
		}
		p := &dnsProber{addr: svc.dns.UDPAddr().String()}
		probers = append(probers, p)
		wg.Add(1)
		go p.run(probeCtx, &wg)
	}
	time.Sleep(500 * time.Millisecond)

	if err := nodes[leader].stop(ctx); err != nil {
		t.Fatalf("stop the leader: %v", err)
	}
	waitUntil(t, time.Now().Add(30*time.Second), "a write accepted by a new leader", func() bool {
		for i, svc := range nodes {
			if i == leader || svc.node.Status().State != "Leader" {
				continue
			}
			writeCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			_, err := svc.node.AddDomains(writeCtx, wire.AddDomainsRequest{Names: []string{"after.test"}, Region: "local"})
			return err == nil
		}
		return false
	})
	time.Sleep(500 * time.Millisecond)
	stopProbes()
	wg.Wait()

	for _, p := range probers {
		if p.sent.Load() < 20 {
			t.Errorf("%s: only %d queries sent, too few to show anything", p.addr, p.sent.Load())
		}
		if n := p.failures.Load(); n != 0 {
			t.Errorf("%s: %d of %d queries failed, want 0; last: %v", p.addr, n, p.sent.Load(), p.lastErr.Load())
		}
		t.Logf("%s: %d queries, %d failed", p.addr, p.sent.Load(), p.failures.Load())
	}
}
