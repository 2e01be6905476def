package store

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/bbolt"
)

// maxGroup bounds the calls that share one transaction, so that a burst
// cannot make one commit, and the wait of its first caller, arbitrarily
// long.
const maxGroup = 256

// maxLinger bounds the wait for the calls a group expects. With 20 SMTP
// sessions on 2 cores, committing without any wait cut intake from about
// 2,340 to 2,080 messages a second: smaller groups meant more fsyncs,
// each costing kernel time.
const maxLinger = time.Millisecond

// errClosed is returned by a write that arrives after Close.
var errClosed = errors.New("inbox store is closed")

// committer runs the write functions of concurrent callers in shared
// transactions (group commit). One goroutine commits: it takes every call
// queued while the previous commit ran, runs them in one transaction and
// fsyncs once. When the previous group was larger than what is queued, it
// waits up to maxLinger for as many calls, since under steady load about
// as many arrive again. A lone writer therefore commits at once, unlike
// with bbolt's Batch, whose fixed delay every group waits out in full.
type committer struct {
	db    *bbolt.DB
	calls chan *commitCall

	// mu guards closed and the sends on calls, so that close never
	// closes the channel under a sender.
	mu     sync.RWMutex
	closed bool
	done   chan struct{} // closed when the loop has returned
}

type commitCall struct {
	fn  func(*bbolt.Tx) error
	err chan error
}

func newCommitter(db *bbolt.DB) *committer {
	c := &committer{db: db, calls: make(chan *commitCall, maxGroup), done: make(chan struct{})}
	go c.loop()
	return c
}

// update runs fn in a write transaction that may be shared with other
// calls and returns once that transaction is durable, or with fn's error.
// As with bbolt's Batch, fn may run more than once and must give the same
// result each time: a failed call makes the others of its group run again
// in a new transaction.
func (c *committer) update(fn func(*bbolt.Tx) error) error {
	call := &commitCall{fn: fn, err: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	c.calls <- call
	c.mu.RUnlock()
	return <-call.err
}

// close commits the calls already queued and stops the loop.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.calls)
	}
	c.mu.Unlock()
	<-c.done
}

func (c *committer) loop() {
	defer close(c.done)
	group := make([]*commitCall, 0, maxGroup)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	expect := 1
	for first := range c.calls {
		group = c.takeQueued(append(group[:0], first))
		if len(group) < expect {
			group = c.linger(group, expect, timer)
		}
		expect = len(group)
		c.commit(group)
	}
}

// takeQueued appends the calls queued now, without waiting.
func (c *committer) takeQueued(group []*commitCall) []*commitCall {
	for len(group) < maxGroup {
		select {
		case call, ok := <-c.calls:
			if !ok {
				return group
			}
			group = append(group, call)
		default:
			return group
		}
	}
	return group
}

// linger waits up to maxLinger for the group to reach expect calls.
func (c *committer) linger(group []*commitCall, expect int, timer *time.Timer) []*commitCall {
	timer.Reset(maxLinger)
	defer timer.Stop()
	for len(group) < expect {
		select {
		case call, ok := <-c.calls:
			if !ok {
				return group
			}
			group = append(group, call)
		case <-timer.C:
			return group
		}
	}
	return group
}

// commit runs the group in one transaction. When a call fails, the
// transaction rolls back, that call runs alone so that the error it
// gets is its own, and the rest run again together.
func (c *committer) commit(group []*commitCall) {
	for len(group) > 0 {
		failed := -1
		err := c.db.Update(func(tx *bbolt.Tx) error {
			for i, call := range group {
				if err := runCall(call.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, call := range group {
				call.err <- err
			}
			return
		}

		alone := group[failed]
		alone.err <- c.db.Update(func(tx *bbolt.Tx) error { return runCall(alone.fn, tx) })
		group = append(group[:failed], group[failed+1:]...)
	}
}

// runCall runs fn and turns a panic into an error, so that one caller's
// bug fails that caller instead of the process and every other caller.
func runCall(fn func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if recovered := recover(); recovered != nil {
			err = fmt.Errorf("write function panicked: %v", recovered)
		}
	}()
	return fn(tx)
}
