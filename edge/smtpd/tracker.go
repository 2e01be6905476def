package smtpd

import "sync"

// tracker counts work in flight and, once stopped, refuses new work, so
// that stopAndWait never races with a new start.
type tracker struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	stopped bool
}

// enter starts one piece of work; false means the tracker is stopped.
func (t *tracker) enter() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	t.wg.Add(1)
	return true
}

func (t *tracker) leave() { t.wg.Done() }

// stopAndWait refuses new work and waits for the work in flight.
func (t *tracker) stopAndWait() {
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
	t.wg.Wait()
}
