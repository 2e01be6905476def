package blocklist

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// DNSBLConfig configures one DNSBL zone.
type DNSBLConfig struct {
	// Name identifies the list in results, logs and metrics.
	Name string
	// Zone is the DNSBL zone, such as dbl.spamhaus.org or, with a DQS key,
	// dbl.dq.spamhaus.net.
	Zone string
	Kind Kind
	// Interval is how often a domain is checked; zero means 1h.
	Interval time.Duration
	// DailyBudget bounds the queries per UTC day; zero means no limit.
	DailyBudget int
	// DQSKey is a Spamhaus Data Query Service key. When set, queries go to
	// <domain>.<key>.<zone>. The key never appears in results or logs.
	DQSKey string
}

// DNSBL checks domains against one DNSBL zone through a Resolver.
type DNSBL struct {
	cfg      DNSBLConfig
	resolver *Resolver
	budget   *budget
	now      func() time.Time
}

var _ Checker = (*DNSBL)(nil)

// NewDNSBL checks the configuration and returns the checker.
func NewDNSBL(cfg DNSBLConfig, resolver *Resolver) (*DNSBL, error) {
	if cfg.Name == "" {
		return nil, errors.New("invalid DNSBL: name is missing")
	}
	if !cfg.Kind.Valid() {
		return nil, fmt.Errorf("invalid DNSBL %s: kind %q: want %s, %s or %s", cfg.Name, cfg.Kind, KindSpamhausDBL, KindSURBL, KindURIBL)
	}
	zone, err := canonicalDomain(cfg.Zone)
	if err != nil {
		return nil, fmt.Errorf("invalid DNSBL %s: zone: %w", cfg.Name, err)
	}
	cfg.Zone = zone
	if cfg.DQSKey != "" && cfg.Kind != KindSpamhausDBL {
		return nil, fmt.Errorf("invalid DNSBL %s: a DQS key is for kind %s only", cfg.Name, KindSpamhausDBL)
	}
	if cfg.DQSKey != "" && labelProblem(strings.ToLower(cfg.DQSKey)) != "" {
		return nil, fmt.Errorf("invalid DNSBL %s: the DQS key must be one DNS label of letters and digits", cfg.Name)
	}
	if cfg.Interval == 0 {
		cfg.Interval = time.Hour
	}
	if resolver == nil {
		return nil, fmt.Errorf("invalid DNSBL %s: no resolver", cfg.Name)
	}
	return &DNSBL{cfg: cfg, resolver: resolver, budget: &budget{limit: cfg.DailyBudget}, now: time.Now}, nil
}

// Name returns the list's configured name.
func (d *DNSBL) Name() string { return d.cfg.Name }

// Interval returns how often a domain should be checked against the list.
func (d *DNSBL) Interval() time.Duration { return d.cfg.Interval }

// Check queries the zone for domain and decodes the answer.
func (d *DNSBL) Check(ctx context.Context, domain string) Result {
	res := Result{List: d.cfg.Name, Domain: domain}
	name, err := canonicalDomain(domain)
	if err != nil {
		return d.finish(res, Answer{Verdict: NoVerdict, Problem: ProblemInvalid, Detail: err.Error()})
	}
	res.Domain = name
	if !d.budget.take(d.now()) {
		return d.finish(res, Answer{Verdict: NoVerdict, Problem: ProblemBudget,
			Detail: fmt.Sprintf("daily budget of %d queries spent", d.cfg.DailyBudget)})
	}

	addrs, err := d.resolver.LookupA(ctx, d.queryName(name))
	switch {
	case errors.Is(err, ErrNoRecord):
		res.Evidence = "NXDOMAIN"
		return d.finish(res, Answer{Verdict: Clean})
	case err != nil:
		return d.finish(res, Answer{Verdict: NoVerdict, Problem: ProblemResolver, Detail: d.redact(err.Error())})
	}
	res.Evidence = formatAddrs(addrs)
	if len(addrs) == 0 {
		res.Evidence = "no A records"
	}
	return d.finish(res, DecodeAnswer(d.cfg.Kind, addrs))
}

func (d *DNSBL) finish(res Result, a Answer) Result {
	res.Verdict, res.Categories, res.Problem, res.Detail = a.Verdict, a.Categories, a.Problem, a.Detail
	res.CheckedAt = d.now().UTC()
	return res
}

func (d *DNSBL) queryName(domain string) string {
	if d.cfg.DQSKey != "" {
		return domain + "." + d.cfg.DQSKey + "." + d.cfg.Zone
	}
	return domain + "." + d.cfg.Zone
}

// redact removes the DQS key from a message that quotes the query name.
func (d *DNSBL) redact(msg string) string {
	if d.cfg.DQSKey == "" {
		return msg
	}
	return strings.ReplaceAll(msg, d.cfg.DQSKey, "[key]")
}
