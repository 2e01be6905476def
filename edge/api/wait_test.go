package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestListMessages_ValidWaitValues(t *testing.T) {
	h := newAPIHarness(t)
	for _, wait := range []string{"0s", "0", "1ms", "250ms"} {
		t.Run(wait, func(t *testing.T) {
			resp := h.get("/api/v1/inbox/messages?wait=" + url.QueryEscape(wait))
			if resp.StatusCode != http.StatusOK {
				t.Errorf("got %d, want 200", resp.StatusCode)
			}
		})
	}
}

func TestListMessages_WaitEndsWhenClientLeaves(t *testing.T) {
	h := newAPIHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.server.URL+"/api/v1/inbox/messages?wait=60s", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	done := make(chan error, 1)
	go func() {
		resp, err := h.server.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()

	select {
	case err := <-done:
		t.Fatalf("request ended before the client left: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}

	// Close waits for running handlers, so it returns quickly only when
	// the held handler saw the client leave.
	start := time.Now()
	h.server.Close()
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("handler ended %s after the client left, want within 5s", elapsed)
	}
}
