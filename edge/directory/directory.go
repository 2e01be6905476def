// Package directory keeps an edge's copy of its region's directory: the
// pool domains, their status and the region's edges. A watch loop follows
// the control plane with blocking queries and keeps the last copy it got,
// so the edge goes on serving from it while the control plane has no
// leader or cannot be reached. Meanwhile StaleNote says since when the
// copy may be stale, for the edge's readiness reply.
package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// Source answers directory queries; controlplane/client.Client is one.
type Source interface {
	Directory(ctx context.Context, region string, index uint64, wait time.Duration) (wire.Directory, error)
}

// Watch tuning. The control plane caps a blocking query at five minutes.
const (
	watchWait   = 30 * time.Second
	minBackoff  = 250 * time.Millisecond
	maxBackoff  = 30 * time.Second
	readyPoll   = 20 * time.Millisecond
	fetchMargin = 10 * time.Second
	// maxNoLeaderBackoff is lower than maxBackoff, because a control plane
	// that replies without a leader is reachable, and asking it often
	// ends the stale period soon after a leader is elected.
	maxNoLeaderBackoff = 5 * time.Second
)

// ErrNotReady means no directory has been received yet.
var ErrNotReady = errors.New("directory not received yet")

// Watcher holds the latest directory. Its methods are safe for concurrent use.
type Watcher struct {
	source  Source
	region  string
	logger  *slog.Logger
	current atomic.Pointer[wire.Directory]
	changed chan struct{}
	// staleSince is when the watch last went from fresh to failing or to
	// a control plane without a leader; nil while the copy is fresh.
	staleSince atomic.Pointer[time.Time]
}

// New returns a watcher for region; call Run to start following changes.
func New(source Source, region string, logger *slog.Logger) *Watcher {
	return &Watcher{source: source, region: region, logger: logger, changed: make(chan struct{}, 1)}
}

// Run follows the control plane until ctx is done, backing off
// exponentially after failures and keeping the last good copy meanwhile.
func (w *Watcher) Run(ctx context.Context) {
	backoff := minBackoff
	var index uint64
	for ctx.Err() == nil {
		queryCtx, cancel := context.WithTimeout(ctx, watchWait+fetchMargin)
		dir, err := w.source.Directory(queryCtx, w.region, index, watchWait)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.markStale()
			w.logger.Warn("directory watch failed, keeping the last copy", "region", w.region, "retry_in", backoff, "error", err)
			sleep(ctx, backoff)
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		index = dir.Index
		w.publish(dir)
		if dir.NoLeader {
			// The reply came at once, so wait before asking again. The
			// next query asks for index 0, which a node with a leader
			// answers at once instead of holding it, so the stale period
			// ends as soon as a leader is back.
			index = 0
			w.markStale()
			w.logger.Warn("control plane has no leader, serving the last directory", "region", w.region, "retry_in", backoff)
			sleep(ctx, backoff)
			backoff = min(2*backoff, maxNoLeaderBackoff)
			continue
		}
		backoff = minBackoff
		w.staleSince.Store(nil)
	}
}

// markStale records the start of a stale period, once per period.
func (w *Watcher) markStale() {
	now := time.Now().UTC()
	w.staleSince.CompareAndSwap(nil, &now)
}

// StaleNote returns "" while the directory copy is fresh, and otherwise a
// sentence that says since when it may be stale and why.
func (w *Watcher) StaleNote() string {
	since := w.staleSince.Load()
	if since == nil {
		return ""
	}
	return fmt.Sprintf("stale directory since %s: the control plane has no leader or cannot be reached, so domain and edge changes since then are not seen",
		since.Format(time.RFC3339))
}

func (w *Watcher) publish(dir wire.Directory) {
	prev := w.current.Swap(&dir)
	if prev == nil || prev.Index != dir.Index {
		w.logger.Debug("directory updated", "region", w.region, "index", dir.Index, "active_domains", len(dir.Domains), "edges", len(dir.Edges))
	}
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// Set installs a directory directly, for a node that has it at hand.
func (w *Watcher) Set(dir wire.Directory) { w.publish(dir) }

// WaitReady blocks until the first directory arrives or ctx is done.
func (w *Watcher) WaitReady(ctx context.Context) error {
	for w.current.Load() == nil {
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for directory: %w", ctx.Err())
		case <-w.changed:
		case <-time.After(readyPoll):
		}
	}
	return nil
}

// Ready reports whether a directory has been received.
func (w *Watcher) Ready() bool { return w.current.Load() != nil }

// DomainStatus returns the status of a pool domain of any region.
func (w *Watcher) DomainStatus(name string) (state.DomainStatus, bool) {
	dir := w.current.Load()
	if dir == nil {
		return "", false
	}
	status, ok := dir.AllDomains[state.CanonicalName(name)]
	return status, ok
}

// EdgeByOwnerCode returns the edge, of any region, whose inboxes carry code.
func (w *Watcher) EdgeByOwnerCode(code string) (state.Edge, bool) {
	dir := w.current.Load()
	if dir == nil {
		return state.Edge{}, false
	}
	for _, e := range dir.Edges {
		if e.OwnerCode == code {
			return e, true
		}
	}
	return state.Edge{}, false
}

// EdgeByID returns the edge, of any region, with this node id, such as
// this edge's own entry.
func (w *Watcher) EdgeByID(id string) (state.Edge, bool) {
	dir := w.current.Load()
	if dir == nil {
		return state.Edge{}, false
	}
	for _, e := range dir.Edges {
		if e.ID == id {
			return e, true
		}
	}
	return state.Edge{}, false
}

// ActiveDomains returns the names of the region's active domains, sorted.
func (w *Watcher) ActiveDomains() []string {
	dir := w.current.Load()
	if dir == nil {
		return nil
	}
	names := make([]string, 0, len(dir.Domains))
	for _, d := range dir.Domains {
		if d.Status == state.Active {
			names = append(names, d.Name)
		}
	}
	return names
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
