package controlplane

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// Limits of the blocking directory query's wait parameter.
const (
	defaultDirectoryWait = 30 * time.Second
	maxDirectoryWait     = 5 * time.Minute
)

// directory serves GET /v1/directory?region=R&index=N&wait=D. With N zero
// or below the current index it replies at once. Otherwise it holds the
// request until the region's directory changes or D (at most 5m, default
// 30s) has passed, and then replies with the current directory either way.
// A node without a leader replies at once with NoLeader set, and a waiting
// request ends the same way within leaderCheckInterval of the leader's
// loss. Without a leader no change can arrive, and the edge should learn
// that its copy may be stale.
func (n *Node) directory(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	region := q.Get("region")
	if err := fsm.ValidateRegion(region); err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	index, err := parseIndex(q.Get("index"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	wait, err := parseWait(q.Get("wait"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}

	dir := n.waitDirectory(r.Context(), region, index, wait)
	dir.NoLeader = !n.hasLeader()
	writeJSON(w, http.StatusOK, dir)
}

func parseIndex(raw string) (uint64, error) {
	if raw == "" {
		return 0, nil
	}
	index, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid index %q: it must be a non-negative integer", raw)
	}
	return index, nil
}

func parseWait(raw string) (time.Duration, error) {
	if raw == "" {
		return defaultDirectoryWait, nil
	}
	wait, err := time.ParseDuration(raw)
	if err != nil || wait < 0 {
		return 0, fmt.Errorf("invalid wait %q: it must be a non-negative Go duration such as 30s, at most %s", raw, maxDirectoryWait)
	}
	return min(wait, maxDirectoryWait), nil
}

// waitDirectory returns the region's directory once it differs from the
// one at the start of the wait, or when wait passes, the request ends or
// the API shuts down. A change elsewhere (another region, a rejected
// command) moves the state's index but does not end the wait.
//
// NOTE: the directory lists each edge's LastHeartbeat, so every heartbeat
// of an edge in the region ends the wait of that region's queries.
func (n *Node) waitDirectory(ctx context.Context, region string, index uint64, wait time.Duration) wire.Directory {
	start := buildDirectory(n.State(), region)
	if index == 0 || index < start.Index || !n.hasLeader() {
		return start
	}

	n.waiting.Add(1)
	defer n.waiting.Add(-1)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	leaderCheck := time.NewTicker(leaderCheckInterval)
	defer leaderCheck.Stop()
	for {
		changed := n.fsm.Watch()
		current := buildDirectory(n.State(), region)
		if !sameDirectory(current, start) {
			return current
		}
		select {
		case <-changed:
		case <-leaderCheck.C:
			if !n.hasLeader() {
				return current
			}
		case <-timer.C:
			return buildDirectory(n.State(), region)
		case <-ctx.Done():
			return current
		case <-n.stopping:
			return buildDirectory(n.State(), region)
		}
	}
}

// leaderCheckInterval is how often a waiting directory query checks that
// the node still has a leader.
const leaderCheckInterval = 500 * time.Millisecond

func (n *Node) hasLeader() bool {
	_, id := n.raft.LeaderWithID()
	return id != ""
}

func buildDirectory(s *state.State, region string) wire.Directory {
	dir := wire.Directory{
		Index:      s.Index,
		Region:     region,
		Domains:    s.ActiveDomains(region),
		Edges:      s.AllEdges(),
		AllDomains: make(map[string]state.DomainStatus, len(s.Domains)),
	}
	if dir.Domains == nil {
		dir.Domains = []state.Domain{}
	}
	// Edges need neither heartbeat times nor health from the directory.
	// Leaving the heartbeat time out keeps the heartbeats of every edge in
	// every region from waking every watcher.
	for i := range dir.Edges {
		dir.Edges[i].LastHeartbeat = time.Time{}
	}
	for name, d := range s.Domains {
		dir.AllDomains[name] = d.Status
	}
	return dir
}

// sameDirectory compares two directories apart from their index.
func sameDirectory(a, b wire.Directory) bool {
	a.Index, b.Index = 0, 0
	return reflect.DeepEqual(a, b)
}
