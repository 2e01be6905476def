package controlplane

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/go-chi/chi/v5"

	"github.com/mayfly-mail/mayfly/blocklist"
	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/policy"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// rotationRoutes adds the pool, evidence and check routes to an operator
// router.
func (n *Node) rotationRoutes(r chi.Router) {
	r.With(n.consistentReads).Get("/pool", n.showPool)
	r.With(n.consistentReads).Get("/domains/{name}/checks", n.showDomainChecks)
	r.Post("/blocklist/check", n.checkBlocklists)
}

func (n *Node) showPool(w http.ResponseWriter, r *http.Request) {
	s, err := n.readState(r)
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	resp := wire.PoolResponse{Regions: []wire.PoolRegion{}}
	for _, p := range s.Pool() {
		resp.Regions = append(resp.Regions, wire.PoolRegion{
			PoolCounts:   p,
			MinActive:    n.cfg.Rotation.Policy.MinActiveIn(p.Region),
			StandbyEmpty: p.Standby == 0,
		})
	}
	writeJSON(w, http.StatusOK, resp)
}

func (n *Node) showDomainChecks(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	s, err := n.readState(r)
	if err != nil {
		n.writeApplyError(w, r, err)
		return
	}
	d, ok := s.Domain(name)
	if !ok {
		writeError(w, http.StatusNotFound, "domain_not_found", fmt.Sprintf("domain %q not found", name))
		return
	}
	resp := wire.DomainChecksResponse{Domain: d, Checks: s.Checks(name)}
	if life, ok := policy.UsefulLife(d, resp.Checks); ok {
		resp.UsefulLife = life.String()
	}
	writeJSON(w, http.StatusOK, resp)
}

// checkBlocklists runs every checker on the domain now, on the node that
// received the request, and records nothing: the leader's schedule alone
// changes the pool.
func (n *Node) checkBlocklists(w http.ResponseWriter, r *http.Request) {
	var req wire.BlocklistCheckRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	name, err := fsm.CanonicalDomain(req.Domain)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	if len(n.cfg.Rotation.Checkers) == 0 {
		writeError(w, http.StatusConflict, "no_blocklists",
			"no blocklist is configured: set control.blocklist.resolver and control.blocklist.dnsbl, or control.blocklist.feeds")
		return
	}
	writeJSON(w, http.StatusOK, wire.BlocklistCheckResponse{Domain: name, Results: n.CheckDomain(r.Context(), name)})
}

// CheckDomain runs every configured checker on domain at once and returns
// their results in the order of the configuration.
func (n *Node) CheckDomain(ctx context.Context, domain string) []wire.CheckResult {
	checkers := n.cfg.Rotation.Checkers
	results := make([]wire.CheckResult, len(checkers))
	var wg sync.WaitGroup
	for i, c := range checkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			checkCtx, cancel := context.WithTimeout(ctx, n.cfg.Rotation.CheckTimeout)
			defer cancel()
			results[i] = n.checkResult(c.Check(checkCtx, domain))
		}()
	}
	wg.Wait()
	return results
}

func (n *Node) checkResult(res blocklist.Result) wire.CheckResult {
	return wire.CheckResult{
		List:       res.List,
		Verdict:    string(res.Verdict),
		Categories: res.Categories,
		Evidence:   res.Evidence,
		Problem:    string(res.Problem),
		Detail:     res.Detail,
		CheckedAt:  res.CheckedAt,
		Retires:    res.Verdict == blocklist.Listed && n.cfg.Rotation.Policy.Retires(res.Categories),
	}
}
