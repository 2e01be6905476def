package edge

import (
	"context"
	"path/filepath"

	"github.com/mayfly-mail/mayfly/edge/metrics"
)

// watchMetrics registers the gauges read at scrape time from the store
// and the directory copy, once both are open.
func (n *Node) watchMetrics() {
	n.metrics.WatchStore(metrics.StoreStats{
		CountInboxes: func() (int, error) { return n.inboxes.Count(context.Background()) },
		Dir:          filepath.Join(n.opts.DataDir, "edge"),
	})
	n.metrics.WatchDraining(n.draining)
}
