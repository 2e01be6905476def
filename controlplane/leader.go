package controlplane

import (
	"context"
)

// startLeaderWork runs the work only the leader does, the edge liveness
// loop, the blocklist checks and domain rotation, and autopilot, while this node leads: it starts them when Raft
// reports leadership and stops them when the leadership is lost or the
// API shuts down. It is the only reader of Raft's LeaderCh.
func (n *Node) startLeaderWork() {
	leaderCh := n.raft.LeaderCh()
	n.loops.Add(1)
	go func() {
		defer n.loops.Done()
		stop := func() {}
		defer func() { stop() }()
		for {
			select {
			case <-n.stopping:
				return
			case leader := <-leaderCh:
				stop()
				stop = func() {}
				if leader {
					stop = n.runLeaderWork()
				}
			}
		}
	}()
}

// runLeaderWork starts one leadership term's work and returns the
// function that stops it and waits for it to end.
func (n *Node) runLeaderWork() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.watchEdges(ctx)
	}()
	rotationDone := make(chan struct{})
	go func() {
		defer close(rotationDone)
		n.runRotation(ctx)
	}()

	n.pilot.forgetSeen()
	n.autopilot.Start(ctx)
	return func() {
		cancel()
		<-done
		<-rotationDone
		<-n.autopilot.Stop()
		n.pilot.state.Store(nil)
	}
}
