package smtpd

import (
	"context"
	"errors"
	"testing"
	"time"
)

// shutdownAsync starts Shutdown with a deadline and returns its result.
func shutdownAsync(srv *testServer, timeout time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	return done
}

func TestShutdown_IdleSessionGets421(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend())
	c := dialReady(t, srv.addr)
	done := shutdownAsync(srv, 5*time.Second)

	got := c.replies()
	if len(got) != 1 || got[0].Code != 421 || got[0].enhanced() != "4.3.2" {
		t.Fatalf("replies = %v, want one 421 4.3.2", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v, want nil", err)
	}
}

func TestShutdown_TransactionInFlightFinishes(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	busy := dialReady(t, srv.addr)
	busy.expect("MAIL FROM:<alice@sender.example.test>", 250)
	busy.expect("RCPT TO:<bob@example.test>", 250)
	idle := dialReady(t, srv.addr)

	done := shutdownAsync(srv, 10*time.Second)
	if got := idle.replies(); len(got) != 1 || got[0].Code != 421 {
		t.Fatalf("idle session: replies = %v, want one 421", got)
	}

	// The open transaction goes on, and the next command is refused.
	if r := busy.sendData([]byte(simpleMessage)); r.Code != 250 {
		t.Fatalf("end of data during shutdown: got %v, want 250", r)
	}
	got := busy.replies()
	if len(got) != 1 || got[0].Code != 421 || got[0].enhanced() != "4.3.2" {
		t.Fatalf("after the transaction: replies = %v, want one 421 4.3.2", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v, want nil", err)
	}
	if n := len(srv.backend.messages()); n != 1 {
		t.Errorf("stored %d messages, want the one in flight", n)
	}
}

func TestShutdown_NewTransactionGets421(t *testing.T) {
	srv := startServer(t, Config{}, newFakeBackend("bob@example.test"))
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	done := shutdownAsync(srv, 10*time.Second)

	waitFor(t, "the server to drain", srv.draining.Load)
	c.expect("RSET", 250)
	got := c.replies()
	if len(got) != 1 || got[0].Code != 421 {
		t.Fatalf("after RSET: replies = %v, want one 421", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v, want nil", err)
	}
}

func TestShutdown_DeadlineClosesConnections(t *testing.T) {
	backend := newFakeBackend("bob@example.test")
	backend.commitGate = make(chan struct{}) // never opened: Commit hangs
	srv := startServer(t, Config{}, backend)
	c := dialReady(t, srv.addr)
	c.expect("MAIL FROM:<alice@sender.example.test>", 250)
	c.expect("RCPT TO:<bob@example.test>", 250)
	c.expect("DATA", 354)
	c.write(dotStuff([]byte(simpleMessage)))
	waitFor(t, "Commit to start", func() bool {
		backend.mu.Lock()
		defer backend.mu.Unlock()
		return backend.inCommit == 1
	})

	err := <-shutdownAsync(srv, 200*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v, want context.DeadlineExceeded", err)
	}
	if !c.closed() {
		t.Error("connection still open after the deadline")
	}
	if _, stored, aborted := backend.counts(); stored != 0 || aborted != 1 {
		t.Errorf("stored %d and aborted %d deliveries, want 0 and 1", stored, aborted)
	}
}
