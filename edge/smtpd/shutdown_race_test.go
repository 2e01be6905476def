package smtpd

import (
	"context"
	"net"
	"testing"
	"time"
)

func TestShutdown_BeforeServeStartsStopsServe(t *testing.T) {
	srv := New(Config{Hostname: "mx.example.test"}, &fakeBackend{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after Shutdown: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still accepting 5s after Shutdown")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Errorf("the listener still accepts connections after Shutdown")
	}
}
