package controlplane

import (
	"context"
	"errors"
	"fmt"
	"math"
	mathrand "math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// domainOp is the input of one operation on one pool domain.
type domainOp struct {
	kind string // "add", "retire" or "read"
	name string
}

// domainResult is the output of one operation. Unknown marks a write whose
// outcome the client did not learn (a timeout or a lost reply): it may or
// may not have been applied.
type domainResult struct {
	status   state.DomainStatus // "" for a domain not in the pool
	notFound bool
	unknown  bool
}

// domainModel is the sequential specification of the pool as the admin API
// exposes it, one domain at a time. Add makes an absent domain active and
// leaves a present one as it is. Retire makes a present domain retired and
// fails with not found for an absent one. A read returns the status.
var domainModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byName := map[string][]porcupine.Operation{}
		for _, op := range history {
			name := op.Input.(domainOp).name
			byName[name] = append(byName[name], op)
		}
		var out [][]porcupine.Operation
		for _, ops := range byName {
			out = append(out, ops)
		}
		return out
	},
	Init: func() any { return state.DomainStatus("") },
	Step: func(s, input, output any) (bool, any) {
		current, in, out := s.(state.DomainStatus), input.(domainOp), output.(domainResult)
		next := current
		switch in.kind {
		case "add":
			if current == "" {
				next = state.Active
			}
		case "retire":
			if current == "" {
				return out.unknown || out.notFound, current
			}
			next = state.Retired
		case "read":
			return out.status == current, current
		}
		return out.unknown || (!out.notFound && out.status == next), next
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(domainOp), output.(domainResult)
		return fmt.Sprintf("%s(%s) -> %+v", in.kind, in.name, out)
	},
}

// opRecorder collects the history of every client.
type opRecorder struct {
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
}

func (r *opRecorder) now() int64 { return time.Since(r.start).Nanoseconds() }

func (r *opRecorder) record(op porcupine.Operation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
}

func (r *opRecorder) history() []porcupine.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ops)
}

// linearizabilityDomains are few, so that clients often touch the same
// domain at the same time.
var linearizabilityDomains = []string{"lin-0.test", "lin-1.test", "lin-2.test", "lin-3.test"}

// runDomainClient sends random operations through the API of every node,
// one at a time, until ctx ends, and records each with its outcome.
func runDomainClient(ctx context.Context, id int, c *client.Client, rec *opRecorder) {
	for ctx.Err() == nil {
		in := domainOp{
			kind: []string{"add", "retire", "read", "read"}[mathrand.IntN(4)],
			name: linearizabilityDomains[mathrand.IntN(len(linearizabilityDomains))],
		}
		call := rec.now()
		out, keep := sendDomainOp(ctx, c, in)
		if !keep {
			continue
		}
		ret := rec.now()
		if out.unknown {
			// The write may take effect at any time after its call, so it
			// stays open until the end of the history.
			ret = math.MaxInt64
			waitOrDone(ctx, 50*time.Millisecond) // while there is no leader, every write fails at once
		}
		rec.record(porcupine.Operation{ClientId: id, Input: in, Call: call, Output: out, Return: ret})
	}
}

// sendDomainOp performs one operation. It returns keep=false for a read
// that failed, because a read that returned nothing changed nothing.
func sendDomainOp(ctx context.Context, c *client.Client, in domainOp) (domainResult, bool) {
	opCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var d state.Domain
	var err error
	switch in.kind {
	case "add":
		var ds []state.Domain
		ds, err = c.AddDomains(opCtx, wire.AddDomainsRequest{Names: []string{in.name}, Region: "local"})
		if err == nil {
			d = ds[0]
		}
	case "retire":
		d, err = c.RetireDomain(opCtx, in.name, "linearizability check")
	case "read":
		d, err = c.Domain(opCtx, in.name, client.Consistent())
	}

	var apiErr *client.APIError
	switch {
	case err == nil:
		return domainResult{status: d.Status}, true
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound && apiErr.Code == "domain_not_found":
		return domainResult{notFound: true}, true
	case in.kind == "read":
		return domainResult{}, false
	default:
		return domainResult{unknown: true}, true
	}
}

func TestCluster_LinearizableAcrossLeaderRestarts(t *testing.T) {
	c := startCluster(t)
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, apiURL(n))
	}
	rec := &opRecorder{start: time.Now()}

	ctx, stop := context.WithCancel(t.Context())
	var clients sync.WaitGroup
	for id := range 4 {
		cl, err := client.New(urls, testOperatorToken)
		if err != nil {
			t.Fatalf("new client: %v", err)
		}
		clients.Go(func() { runDomainClient(ctx, id, cl, rec) })
	}

	termBefore := c.leader().Raft().CurrentTerm()
	for range 3 {
		waitOrDone(t.Context(), time.Second) // let the clients work under a stable leader
		restartLeader(t, c)
	}
	waitOrDone(t.Context(), time.Second)
	stop()
	clients.Wait()

	if term := c.leader().Raft().CurrentTerm(); term < termBefore+3 {
		t.Errorf("raft term: got %d after three leader restarts, want at least %d", term, termBefore+3)
	}
	checkLinearizable(t, rec.history())
}

// restartLeader stops the leader, waits until the others elect a new one,
// and starts the old leader again from its data directory.
func restartLeader(t *testing.T, c *testCluster) {
	t.Helper()
	old := slices.Index(c.nodes, c.leader())
	c.stop(old)
	c.leader()
	c.configs[old].Bootstrap = false
	c.start(old)
}

func checkLinearizable(t *testing.T, history []porcupine.Operation) {
	t.Helper()
	completed, unknown := 0, 0
	for _, op := range history {
		if op.Output.(domainResult).unknown {
			unknown++
		} else {
			completed++
		}
	}
	t.Logf("history: %d completed operations, %d writes with unknown outcome", completed, unknown)
	if completed < 100 {
		t.Fatalf("completed operations: got %d, want at least 100 for a meaningful check", completed)
	}

	result := porcupine.CheckOperationsTimeout(domainModel, history, time.Minute)
	if result != porcupine.Ok {
		t.Errorf("linearizability check of %d operations: got %s, want %s", len(history), result, porcupine.Ok)
	}
}

func TestDomainModel_RejectsStaleRead(t *testing.T) {
	ops := func(readStatus state.DomainStatus) []porcupine.Operation {
		return []porcupine.Operation{
			{ClientId: 0, Input: domainOp{"add", "a.test"}, Call: 0, Output: domainResult{status: state.Active}, Return: 10},
			{ClientId: 1, Input: domainOp{"read", "a.test"}, Call: 20, Output: domainResult{status: readStatus}, Return: 30},
		}
	}
	if got := porcupine.CheckOperations(domainModel, ops(state.Active)); !got {
		t.Errorf("read after the add returns active: got not linearizable, want linearizable")
	}
	if got := porcupine.CheckOperations(domainModel, ops("")); got {
		t.Errorf("read after the add returns no domain: got linearizable, want not linearizable")
	}
}
