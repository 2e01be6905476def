package fsm

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// FSM implements raft.FSM over *state.State. Raft calls Apply, Snapshot and
// Restore from one goroutine; State and Watch may be called from any
// goroutine at any time.
type FSM struct {
	current atomic.Pointer[state.State]

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at every publication
}

var _ raft.FSM = (*FSM)(nil)

// New returns an FSM holding an empty state.
func New() *FSM {
	f := &FSM{changed: make(chan struct{})}
	f.current.Store(state.New())
	return f
}

// State returns the latest published state. The caller must not modify it.
func (f *FSM) State() *state.State {
	return f.current.Load()
}

// Watch returns a channel that is closed at the next publication. To miss
// no change, call Watch before State and wait on the channel only if the
// state read after it is not yet the one wanted.
func (f *FSM) Watch() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

func (f *FSM) publish(s *state.State) {
	f.current.Store(s)

	f.mu.Lock()
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

// Apply applies one committed log entry and returns a Response. It panics
// on an entry it cannot decode, as the package documentation explains.
func (f *FSM) Apply(entry *raft.Log) any {
	cmd, body, err := decodeCommand(entry.Data)
	if err != nil {
		panic(fmt.Sprintf("fsm: cannot apply log entry %d: %v", entry.Index, err))
	}

	t := &txn{base: f.State(), at: cmd.At}
	res, err := applyBody(t, cmd, body)
	if err != nil {
		t.next = nil // a rejected command changes nothing
	}

	f.publish(t.commit(entry.Index))
	return Response{Result: res, Err: err}
}

func applyBody(t *txn, cmd Command, body command) (Result, error) {
	if cmd.At.IsZero() {
		return Result{}, reject(ErrInvalid, "command %s has no time", cmd.Type)
	}
	if err := body.normalize(); err != nil {
		return Result{}, err
	}
	return body.apply(t)
}

// txn is the change one command makes: it reads from base until the first
// write, which clones base into next.
type txn struct {
	base *state.State
	next *state.State
	at   time.Time
}

func (t *txn) read() *state.State {
	if t.next != nil {
		return t.next
	}
	return t.base
}

func (t *txn) write() *state.State {
	if t.next == nil {
		t.next = t.base.Clone()
	}
	return t.next
}

// commit returns the state to publish for the entry at index. Without a
// write it copies only the top-level struct: the maps are shared with base,
// which is safe because neither state is ever modified.
func (t *txn) commit(index uint64) *state.State {
	s := t.next
	if s == nil {
		shallow := *t.base
		s = &shallow
	}
	s.Index = index
	return s
}
