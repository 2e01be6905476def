package controlplane

import (
	"context"
	"sync"
	"time"

	"github.com/mayfly-mail/mayfly/blocklist"
	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/policy"
	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// rotationLoop is one leadership term's blocklist checks and domain
// rotation. Every step reads the committed state and proposes idempotent
// commands, so a term that ends halfway leaves nothing that the next
// leader would lose or repeat.
type rotationLoop struct {
	n           *Node
	cfg         RotationConfig
	lists       []policy.List
	checkers    map[string]blocklist.Checker
	leaderSince time.Time
	// emptyStandby remembers the regions already reported without standby
	// domains, so the log line comes once per region and term.
	emptyStandby map[string]bool
}

// runRotation runs the rotation loop until ctx ends.
func (n *Node) runRotation(ctx context.Context) {
	r := &rotationLoop{
		n:            n,
		cfg:          n.cfg.Rotation,
		checkers:     map[string]blocklist.Checker{},
		leaderSince:  time.Now(),
		emptyStandby: map[string]bool{},
	}
	for _, c := range r.cfg.Checkers {
		r.lists = append(r.lists, policy.List{Name: c.Name(), Interval: c.Interval()})
		r.checkers[c.Name()] = c
	}
	n.log.Info("rotation loop started", "node_id", n.cfg.NodeID, "blocklists", len(r.lists))
	defer n.log.Info("rotation loop stopped", "node_id", n.cfg.NodeID)

	tick := time.NewTicker(r.cfg.Tick)
	defer tick.Stop()
	for {
		r.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// round runs the checks that are due, then brings the pool in line with
// the policy. Each step stops early once ctx ends.
func (r *rotationLoop) round(ctx context.Context) {
	steps := []func(context.Context){r.checkDue, r.retireOverexposed, r.topUpRegions, r.finishRetiring}
	for _, step := range steps {
		if ctx.Err() != nil {
			return
		}
		step(ctx)
	}
}

// checkDue runs the due checks, at most cfg.Concurrency at a time, and
// records their results in one command per round.
func (r *rotationLoop) checkDue(ctx context.Context) {
	if len(r.lists) == 0 {
		return
	}
	due := r.cfg.Policy.Due(r.n.State(), r.lists, time.Now(), r.leaderSince)
	if len(due) > r.cfg.MaxChecksPerRound {
		due = due[:r.cfg.MaxChecksPerRound]
	}
	if len(due) == 0 {
		return
	}
	results := r.runChecks(ctx, due)
	if ctx.Err() != nil {
		return // a check cut short by the end of the term proves nothing
	}
	r.record(ctx, results)
}

func (r *rotationLoop) runChecks(ctx context.Context, due []policy.Check) []blocklist.Result {
	results := make([]blocklist.Result, len(due))
	sem := make(chan struct{}, r.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, c := range due {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			checkCtx, cancel := context.WithTimeout(ctx, r.cfg.CheckTimeout)
			defer cancel()
			results[i] = r.checkers[c.List].Check(checkCtx, c.Domain)
		}()
	}
	wg.Wait()
	return results
}

// record counts the results, logs the lists that gave no verdict, and
// proposes the results with the policy's retirement decisions.
func (r *rotationLoop) record(ctx context.Context, results []blocklist.Result) {
	checks := make([]fsm.DomainCheck, 0, len(results))
	problems := map[string]blocklist.Result{}
	failures := map[string]int{}
	for _, res := range results {
		r.n.rotation.checks.WithLabelValues(res.List, string(res.Verdict)).Inc()
		if res.Verdict == blocklist.NoVerdict {
			r.n.rotation.noVerdict.WithLabelValues(res.List, string(res.Problem)).Inc()
			problems[res.List] = res
			failures[res.List]++
		}
		checks = append(checks, fsm.DomainCheck{Domain: res.Domain, Record: r.checkRecord(res)})
	}
	for list, res := range problems {
		r.n.log.Warn("blocklist gave no verdict; no domain is retired on it", "list", list,
			"checks", failures[list], "problem", res.Problem, "detail", res.Detail)
	}

	body := fsm.RecordVerdicts{Checks: checks}
	result, err := r.n.propose(ctx, fsm.TypeRecordVerdicts, body)
	if err != nil {
		r.logFailure(ctx, "record blocklist verdicts", err)
		return
	}
	for _, d := range result.Domains {
		r.reportListingRetirement(d)
	}
}

// checkRecord converts a result into its committed form and marks a
// listing on which the policy retires the domain.
func (r *rotationLoop) checkRecord(res blocklist.Result) state.CheckRecord {
	return state.CheckRecord{
		List:       res.List,
		Verdict:    string(res.Verdict),
		Categories: res.Categories,
		Evidence:   res.Evidence,
		Problem:    string(res.Problem),
		Detail:     res.Detail,
		CheckedAt:  res.CheckedAt,
		Retired:    res.Verdict == blocklist.Listed && r.cfg.Policy.Retires(res.Categories),
	}
}

func (r *rotationLoop) reportListingRetirement(d state.Domain) {
	r.n.rotation.retirements.WithLabelValues("listing").Inc()
	life, ok := policy.UsefulLife(d, r.n.State().Checks(d.Name))
	if ok {
		r.n.rotation.usefulLife.Observe(life.Seconds())
	}
	r.n.log.Warn("domain listed by a blocklist, now retiring", "domain", d.Name, "region", d.Region,
		"reason", d.Reason, "useful_life", life)
}

// retireOverexposed retires the active domains past the maximum exposure age.
func (r *rotationLoop) retireOverexposed(ctx context.Context) {
	maxExposure := r.cfg.Policy.MaxExposure
	for _, name := range r.cfg.Policy.Overexposed(r.n.State(), time.Now()) {
		res, err := r.n.propose(ctx, fsm.TypeRetireExposed, fsm.RetireExposed{Name: name, MaxExposure: maxExposure})
		if err != nil {
			r.logFailure(ctx, "retire overexposed domain", err)
			return
		}
		for _, d := range res.Domains {
			r.n.rotation.retirements.WithLabelValues("exposure").Inc()
			r.n.log.Info("domain reached the maximum exposure age, now retiring", "domain", d.Name,
				"region", d.Region, "max_exposure", maxExposure)
		}
	}
}

// topUpRegions promotes standby domains in the regions below their
// minimum of active domains, and reports regions whose standby pool is
// empty.
func (r *rotationLoop) topUpRegions(ctx context.Context) {
	for _, short := range r.cfg.Policy.Shortages(r.n.State()) {
		if short.Standby == 0 {
			continue
		}
		body := fsm.TopUpRegion{Region: short.Region, MinActive: short.MinActive}
		res, err := r.n.propose(ctx, fsm.TypeTopUpRegion, body)
		if err != nil {
			r.logFailure(ctx, "promote standby domains", err)
			return
		}
		for _, d := range res.Domains {
			r.n.log.Info("standby domain promoted to active", "domain", d.Name, "region", d.Region, "min_active", short.MinActive)
		}
	}
	r.reportEmptyStandby()
}

func (r *rotationLoop) reportEmptyStandby() {
	for _, p := range r.n.State().Pool() {
		empty := p.Standby == 0
		if empty && !r.emptyStandby[p.Region] {
			r.n.log.Warn("standby pool of region is empty: add standby domains with mayflyctl domains add --standby",
				"region", p.Region, "active", p.Active, "min_active", r.cfg.Policy.MinActiveIn(p.Region))
		}
		r.emptyStandby[p.Region] = empty
	}
}

// finishRetiring retires the domains whose grace period has passed.
func (r *rotationLoop) finishRetiring(ctx context.Context) {
	names := r.cfg.Policy.DoneRetiring(r.n.State(), time.Now())
	if len(names) == 0 {
		return
	}
	body := fsm.FinishRetiring{Names: names, Grace: r.cfg.Policy.RetiringGrace}
	res, err := r.n.propose(ctx, fsm.TypeFinishRetiring, body)
	if err != nil {
		r.logFailure(ctx, "finish retiring domains", err)
		return
	}
	for _, d := range res.Domains {
		r.n.log.Info("domain retired: its MX is now null", "domain", d.Name, "region", d.Region)
	}
}

// logFailure logs a failed proposal unless the term has ended, in which
// case the next leader takes over the work.
func (r *rotationLoop) logFailure(ctx context.Context, step string, err error) {
	if ctx.Err() != nil {
		return
	}
	r.n.log.Warn(step+" failed; retrying next round", "error", err)
}
