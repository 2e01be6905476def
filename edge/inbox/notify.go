package inbox

import "sync"

// notifier tells the readers waiting on an inbox that it changed: a
// message arrived, or the inbox was extended or deleted. A signal carries
// nothing but the fact, because the notifier holds no key: a reader lists
// the inbox again with its own Access to learn what changed.
type notifier struct {
	mu       sync.Mutex
	watchers map[string]map[*watcher]struct{}
}

type watcher struct {
	ch chan struct{}
}

func newNotifier() *notifier {
	return &notifier{watchers: make(map[string]map[*watcher]struct{})}
}

// watch registers a watcher of the inbox. Its channel holds at most one
// pending signal, so a slow reader sees one wake-up for any number of
// changes and lists the inbox once.
func (n *notifier) watch(inboxID string) (<-chan struct{}, func()) {
	w := &watcher{ch: make(chan struct{}, 1)}
	n.mu.Lock()
	set := n.watchers[inboxID]
	if set == nil {
		set = make(map[*watcher]struct{})
		n.watchers[inboxID] = set
	}
	set[w] = struct{}{}
	n.mu.Unlock()

	// The set of an inbox leaves the map only once empty, so while w is
	// in it, it is the set the map holds.
	var once sync.Once
	stop := func() {
		once.Do(func() {
			n.mu.Lock()
			defer n.mu.Unlock()
			delete(set, w)
			if len(set) == 0 {
				delete(n.watchers, inboxID)
			}
		})
	}
	return w.ch, stop
}

// notify wakes every watcher of the inbox without blocking.
func (n *notifier) notify(inboxID string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for w := range n.watchers[inboxID] {
		select {
		case w.ch <- struct{}{}:
		default:
		}
	}
}

// Watch returns a channel that receives a signal after the inbox changes:
// a message is stored, the inbox is extended, or it is deleted. Signals
// coalesce, so after one the caller reads the inbox's current state. Stop
// releases the watch; it is safe to call more than once.
func (a *Access) Watch() (changed <-chan struct{}, stop func()) {
	return a.s.notes.watch(encodeID(a.id))
}
