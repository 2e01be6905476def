package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/miekg/dns"
)

const (
	// notifyTimeout and notifyAttempts follow RFC 1996 §4.3: resend a
	// NOTIFY that gets no reply, a few times.
	notifyTimeout  = time.Second
	notifyAttempts = 3
	// defaultPollInterval is how often the state is checked for serial
	// changes when the configuration sets none.
	defaultPollInterval = time.Second
)

// notifier sends a NOTIFY (RFC 1996) to every configured secondary when a
// zone's serial changes or a zone appears, including once at start. It
// owns the goroutines it starts; stop ends them.
type notifier struct {
	targets  []NotifyTarget
	secrets  map[string]string
	zones    *zoneCache
	interval time.Duration
	logger   *slog.Logger

	sent    map[string]uint32 // last serial notified, by zone; loop only
	sending sync.WaitGroup
}

// run checks the serials every interval until ctx ends, then waits for
// the NOTIFY messages in flight.
func (n *notifier) run(ctx context.Context) {
	tick := time.NewTicker(n.interval)
	defer tick.Stop()
	for {
		n.check(ctx)
		select {
		case <-ctx.Done():
			n.sending.Wait()
			return
		case <-tick.C:
		}
	}
}

// check sends NOTIFY for every zone whose serial differs from the one last
// notified.
func (n *notifier) check(ctx context.Context) {
	zs := n.zones.get()
	for origin := range n.sent {
		if _, ok := zs.zones[origin]; !ok {
			delete(n.sent, origin)
		}
	}
	for origin, z := range zs.zones {
		soa := z.soa()
		if last, ok := n.sent[origin]; ok && last == soa.Serial {
			continue
		}
		n.sent[origin] = soa.Serial
		for _, target := range n.targets {
			n.sending.Go(func() { n.notify(ctx, soa, target) })
		}
	}
}

// notify sends one secondary a NOTIFY for one zone's serial and logs the outcome.
func (n *notifier) notify(ctx context.Context, soa *dns.SOA, target NotifyTarget) {
	err := n.send(ctx, soa, target)
	switch {
	case err == nil:
		n.logger.Debug("dns notify sent", "zone", soa.Hdr.Name, "serial", soa.Serial, "secondary", target.Addr)
	case ctx.Err() == nil:
		n.logger.Warn("dns notify failed", "zone", soa.Hdr.Name, "serial", soa.Serial, "secondary", target.Addr, "error", err)
	}
}

func (n *notifier) send(ctx context.Context, soa *dns.SOA, target NotifyTarget) error {
	client := &dns.Client{Net: "udp", Timeout: notifyTimeout, TsigSecret: n.secrets}
	var err error
	for range notifyAttempts {
		m := new(dns.Msg)
		m.SetNotify(soa.Hdr.Name)
		// RFC 1996 §3.7: the SOA may ride along as a hint.
		m.Answer = []dns.RR{soa}
		if target.Key != "" {
			m.SetTsig(canonicalName(target.Key), dns.HmacSHA256, tsigFudge, time.Now().Unix())
		}
		var reply *dns.Msg
		reply, _, err = client.ExchangeContext(ctx, m, target.Addr)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			continue
		case reply.Rcode != dns.RcodeSuccess:
			return fmt.Errorf("secondary returned rcode %s to the NOTIFY", dns.RcodeToString[reply.Rcode])
		default:
			return nil
		}
	}
	return errors.Join(errors.New("no reply after retries"), err)
}
