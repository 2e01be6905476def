package controlplane

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// errPartitioned is returned by a faultLayer's Dial while it is cut off.
var errPartitioned = errors.New("dial raft peer: the node is partitioned")

// faultLayer is a Raft stream layer over TCP that a test can cut off from
// the network in both directions and heal again. While cut off, it closes
// every connection it accepts and fails every dial, and cutting it closes
// the connections it has open, so its peers see the partition at once
// instead of when their transport times out.
type faultLayer struct {
	net.Listener

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{} // open connections, both accepted and dialed
}

var _ raft.StreamLayer = (*faultLayer)(nil)

// newFaultLayer listens on addr and closes the listener when the test ends.
func newFaultLayer(t *testing.T, addr string) *faultLayer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen for raft on %s: %v", addr, err)
	}
	l := &faultLayer{Listener: ln, conns: make(map[net.Conn]struct{})}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// Accept returns the next connection that arrives while the layer is
// connected, and closes the ones that arrive while it is cut off.
func (l *faultLayer) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if tracked := l.track(conn); tracked != nil {
			return tracked, nil
		}
		_ = conn.Close()
	}
}

// Dial connects to a peer unless the layer is cut off.
func (l *faultLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	if l.isCut() {
		return nil, errPartitioned
	}
	conn, err := net.DialTimeout("tcp", string(addr), timeout)
	if err != nil {
		return nil, err
	}
	tracked := l.track(conn)
	if tracked == nil {
		_ = conn.Close()
		return nil, errPartitioned
	}
	return tracked, nil
}

// partition cuts the layer off and closes its open connections.
func (l *faultLayer) partition() {
	l.mu.Lock()
	l.cut = true
	open := l.conns
	l.conns = make(map[net.Conn]struct{})
	l.mu.Unlock()
	for conn := range open {
		_ = conn.Close()
	}
}

// heal connects the layer again. Raft reconnects on its next dial.
func (l *faultLayer) heal() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = false
}

func (l *faultLayer) isCut() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cut
}

// track records conn as open and returns it wrapped so that closing it
// forgets it, or returns nil when the layer is cut off.
func (l *faultLayer) track(conn net.Conn) net.Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut {
		return nil
	}
	tracked := &trackedConn{Conn: conn, layer: l}
	l.conns[tracked] = struct{}{}
	return tracked
}

func (l *faultLayer) forget(conn net.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.conns, conn)
}

// trackedConn is a connection that leaves its layer's open set on Close.
type trackedConn struct {
	net.Conn
	layer *faultLayer
}

func (c *trackedConn) Close() error {
	c.layer.forget(c)
	return c.Conn.Close()
}
