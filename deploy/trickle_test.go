package deploy

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// trickleInterval is the pause between two messages, and between two
// reads, of each region.
const trickleInterval = 400 * time.Millisecond

// trickle sends mail to each region's inbox and reads it through the
// region's edges while nodes restart. Like a sending MTA it tries the
// other edge of the region when one fails, and like a careful client a
// failed read is retried on the other edge within readRetryWindow.
type trickle struct {
	c    *composeCluster
	done chan struct{}
	wg   sync.WaitGroup

	mu        sync.Mutex
	accepted  map[string][]string // region to subjects that got 250
	sendFails int
	readFails []string // reads that failed for longer than readRetryWindow
	maxOutage time.Duration
}

func startTrickle(c *composeCluster, inboxes map[string]inbox) *trickle {
	tr := &trickle{c: c, done: make(chan struct{}), accepted: map[string][]string{}}
	for region, in := range inboxes {
		tr.wg.Add(2)
		go tr.sendLoop(region, in)
		go tr.readLoop(region, in)
	}
	return tr
}

func (tr *trickle) stop() {
	close(tr.done)
	tr.wg.Wait()
}

func (tr *trickle) stopped() bool {
	select {
	case <-tr.done:
		return true
	default:
		return false
	}
}

func (tr *trickle) sendLoop(region string, in inbox) {
	defer tr.wg.Done()
	edges := regions[region].edges
	for n := 0; !tr.stopped(); n++ {
		subject := fmt.Sprintf("trickle %s %d", region, n)
		if err := tr.c.send(edges[n%2], in.address, subject); err == nil || tr.c.send(edges[(n+1)%2], in.address, subject) == nil {
			tr.mu.Lock()
			tr.accepted[region] = append(tr.accepted[region], subject)
			tr.mu.Unlock()
		} else {
			tr.mu.Lock()
			tr.sendFails++
			tr.mu.Unlock()
		}
		time.Sleep(trickleInterval)
	}
}

func (tr *trickle) readLoop(region string, in inbox) {
	defer tr.wg.Done()
	edges := regions[region].edges
	for n := 0; !tr.stopped(); n++ {
		tr.readWithRetry(region, in, edges, n)
		time.Sleep(trickleInterval)
	}
}

// readWithRetry lists the inbox, alternating between the region's edges
// every half second after a failure, until it succeeds or the window
// passes.
func (tr *trickle) readWithRetry(region string, in inbox, edges []string, n int) {
	start := time.Now()
	var lastErr error
	for attempt := 0; time.Since(start) < readRetryWindow; attempt++ {
		if _, err := tr.c.subjects(edges[(n+attempt)%2], in); err == nil {
			tr.mu.Lock()
			tr.maxOutage = max(tr.maxOutage, time.Since(start))
			tr.mu.Unlock()
			return
		} else {
			lastErr = err
		}
		time.Sleep(500 * time.Millisecond)
	}
	tr.mu.Lock()
	tr.readFails = append(tr.readFails, fmt.Sprintf("%s read at %s: %v", region, start.Format(time.TimeOnly), lastErr))
	tr.mu.Unlock()
}

func (tr *trickle) acceptedCount() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := 0
	for _, s := range tr.accepted {
		n += len(s)
	}
	return n
}

// checkReads fails for every read that no retry within the window saved.
func (tr *trickle) checkReads(t *testing.T) {
	t.Helper()
	t.Logf("longest a read took to succeed, retries included: %s; SMTP attempts that no edge of the region accepted: %d", tr.maxOutage, tr.sendFails)
	for _, f := range tr.readFails {
		t.Errorf("read failed for longer than %s: %s", readRetryWindow, f)
	}
}

// checkNoLoss waits until every message that got a 250 is listed in its
// inbox.
func (tr *trickle) checkNoLoss(t *testing.T, c *composeCluster, inboxes map[string]inbox) {
	t.Helper()
	for region, in := range inboxes {
		want := tr.accepted[region]
		if len(want) < 10 {
			t.Errorf("%s: only %d messages got a 250 during the restarts, want a steady trickle of at least 10", region, len(want))
		}
		var missing []string
		waitFor(t, composeLimit, "every accepted message of "+region+" listed", func() bool {
			got, err := c.subjects(regions[region].edges[0], in)
			if err != nil {
				return false
			}
			have := map[string]bool{}
			for _, s := range got {
				have[s] = true
			}
			missing = missing[:0]
			for _, s := range want {
				if !have[s] {
					missing = append(missing, s)
				}
			}
			return len(missing) == 0
		})
		t.Logf("%s: all %d messages that got a 250 are in the inbox", region, len(want))
	}
}
