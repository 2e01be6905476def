package blocklist

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// ErrNoRecord is returned by Resolver.LookupA for NXDOMAIN: the name does
// not exist, which a DNSBL uses to say "not listed".
var ErrNoRecord = errors.New("no such name")

// ResolverConfig configures the recursive resolver that DNSBL queries go
// through.
type ResolverConfig struct {
	// Addr is the resolver's host:port. It must be the operator's own
	// resolver, because the lists refuse queries from public ones.
	Addr string
	// Timeout bounds one attempt; zero means 2s.
	Timeout time.Duration
	// Retries is how many times a failed attempt is repeated; negative
	// means none, zero means 2.
	Retries int
	// Backoff is the wait before the first retry, doubled for each later
	// one; zero means 200ms.
	Backoff time.Duration
}

// Resolver sends A queries with recursion desired to one recursive
// resolver, over UDP and over TCP when the reply is truncated. It is safe
// for concurrent use.
type Resolver struct {
	cfg ResolverConfig
	udp *dns.Client
	tcp *dns.Client
}

// NewResolver checks the configuration and returns a resolver.
func NewResolver(cfg ResolverConfig) (*Resolver, error) {
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("invalid resolver address %q: want host:port such as 127.0.0.1:53", cfg.Addr)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	return &Resolver{
		cfg: cfg,
		udp: &dns.Client{Net: "udp", Timeout: cfg.Timeout},
		tcp: &dns.Client{Net: "tcp", Timeout: cfg.Timeout},
	}, nil
}

// LookupA returns the A records of name. NXDOMAIN returns ErrNoRecord; a
// name without A records returns no records and no error. SERVFAIL, other
// error codes, timeouts and network errors are retried with backoff, and
// the last error is returned when every attempt failed.
func (r *Resolver) LookupA(ctx context.Context, name string) ([]netip.Addr, error) {
	var lastErr error
	wait := r.cfg.Backoff
	for attempt := 0; attempt <= r.cfg.Retries; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("look up %s: %w (after %w)", name, err, lastErr)
			}
			wait *= 2
		}
		addrs, err := r.lookupOnce(ctx, name)
		if err == nil || errors.Is(err, ErrNoRecord) {
			return addrs, err
		}
		lastErr = err
	}
	return nil, fmt.Errorf("look up %s: %d attempts failed: %w", name, r.cfg.Retries+1, lastErr)
}

func (r *Resolver) lookupOnce(ctx context.Context, name string) ([]netip.Addr, error) {
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeA)
	q.RecursionDesired = true

	reply, _, err := r.udp.ExchangeContext(ctx, q, r.cfg.Addr)
	if err == nil && reply.Truncated {
		reply, _, err = r.tcp.ExchangeContext(ctx, q, r.cfg.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("query resolver %s: %w", r.cfg.Addr, err)
	}

	switch reply.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, ErrNoRecord
	default:
		return nil, fmt.Errorf("resolver %s answered %s", r.cfg.Addr, dns.RcodeToString[reply.Rcode])
	}
	var addrs []netip.Addr
	for _, rr := range reply.Answer {
		if a, ok := rr.(*dns.A); ok {
			if ip, ok := netip.AddrFromSlice(a.A.To4()); ok {
				addrs = append(addrs, ip)
			}
		}
	}
	return addrs, nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
