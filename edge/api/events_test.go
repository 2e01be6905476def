package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/api"
	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/client"
	"github.com/mayfly-mail/mayfly/edge/inbox"
)

// eventDeadline stops a test whose stream hangs. Events arrive within
// milliseconds; the deadline only bounds a failure.
const eventDeadline = 20 * time.Second

func openEvents(t *testing.T, h *apiHarness, lastEventID string) *client.EventStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), eventDeadline)
	t.Cleanup(cancel)
	s, err := client.New(h.server.URL).Events(ctx, h.token, lastEventID)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func nextEvent(t *testing.T, s *client.EventStream) client.Event {
	t.Helper()
	ev, err := s.Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return ev
}

func rawMessage(subject string) []byte {
	return fmt.Appendf(nil, "From: a@example.test\r\nSubject: %s\r\n\r\nbody\r\n", subject)
}

func TestEvents_MessageArrives(t *testing.T) {
	h := newAPIHarness(t)
	h.deliver(rawMessage("before the stream"))
	s := openEvents(t, h, "")

	id := h.deliver(rawMessage("after the stream"))

	ev := nextEvent(t, s)
	if ev.Type != apitypes.EventMessage || ev.ID != id || ev.Message.ID != id {
		t.Fatalf("got event %q id %q message %q, want message event for %q", ev.Type, ev.ID, ev.Message.ID, id)
	}
	if ev.Message.ReceivedAt.IsZero() || ev.Message.Size == 0 {
		t.Errorf("message event lacks received_at or size: %+v", ev.Message)
	}
}

func TestEvents_LastEventIDReplaysWhatWasMissed(t *testing.T) {
	h := newAPIHarness(t)
	first := h.deliver(rawMessage("one"))
	second := h.deliver(rawMessage("two"))
	third := h.deliver(rawMessage("three"))

	s := openEvents(t, h, first)
	for _, want := range []string{second, third} {
		if ev := nextEvent(t, s); ev.ID != want {
			t.Fatalf("got event for %q, want %q", ev.ID, want)
		}
	}
	fourth := h.deliver(rawMessage("four"))
	if ev := nextEvent(t, s); ev.ID != fourth {
		t.Fatalf("got event for %q, want %q", ev.ID, fourth)
	}
}

// A message whose transfer starts first has the smaller id but may be
// stored last. A client resuming after the message stored first must
// still get it.
func TestEvents_ResumeKeepsMessageStoredOutOfIDOrder(t *testing.T) {
	h := newAPIHarness(t)
	ctx := context.Background()
	begin := func() *inbox.Delivery {
		d, err := h.svc.BeginDelivery(ctx, inbox.Envelope{From: "s@example.test"}, []inbox.DeliveryRecipient{{Address: h.address, Original: h.address}})
		if err != nil {
			t.Fatalf("BeginDelivery: %v", err)
		}
		if _, err := d.Write(rawMessage("x")); err != nil {
			t.Fatalf("Write: %v", err)
		}
		return d
	}
	slow := begin()
	time.Sleep(2 * time.Millisecond)
	fast := begin()
	if _, err := fast.Commit(ctx, inbox.MessageMeta{Subject: "fast"}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if _, err := slow.Commit(ctx, inbox.MessageMeta{Subject: "slow"}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	list, err := client.New(h.server.URL).Messages(ctx, h.token)
	if err != nil || len(list) != 2 {
		t.Fatalf("Messages: %d, %v", len(list), err)
	}
	// Newest id first: the fast message has the larger id.
	fastID, slowID := list[0].ID, list[1].ID
	if list[0].Subject != "fast" || fastID <= slowID {
		t.Fatalf("want the fast message to have the larger id, got %+v", list)
	}

	s := openEvents(t, h, fastID)
	if ev := nextEvent(t, s); ev.ID != slowID {
		t.Fatalf("got event for %q, want the slow message %q", ev.ID, slowID)
	}
}

func TestEvents_ExpiredEndsTheStream(t *testing.T) {
	h := newAPIHarness(t)
	ctx := context.Background()
	access, err := h.svc.Authenticate(ctx, h.token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := access.Extend(ctx, time.Second); err != nil {
		t.Fatalf("Extend: %v", err)
	}
	s := openEvents(t, h, "")

	ev := nextEvent(t, s)
	if ev.Type != apitypes.EventExpired || ev.Expired.ExpiresAt.IsZero() {
		t.Fatalf("got %+v, want an expired event with expires_at", ev)
	}
	if time.Now().Before(ev.Expired.ExpiresAt) {
		t.Errorf("expired event arrived before expires_at %s", ev.Expired.ExpiresAt)
	}
	if ev.Expired.Reason != apitypes.EndExpired {
		t.Errorf("got reason %q, want %q", ev.Expired.Reason, apitypes.EndExpired)
	}
	if _, err := s.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after expired: got %v, want io.EOF", err)
	}
}

func TestEvents_DeleteSendsExpired(t *testing.T) {
	h := newAPIHarness(t)
	s := openEvents(t, h, "")
	if err := client.New(h.server.URL).DeleteInbox(context.Background(), h.token); err != nil {
		t.Fatalf("DeleteInbox: %v", err)
	}
	ev := nextEvent(t, s)
	if ev.Type != apitypes.EventExpired {
		t.Fatalf("got %q event, want expired", ev.Type)
	}
	if ev.Expired.Reason != apitypes.EndDeleted {
		t.Errorf("got reason %q, want %q", ev.Expired.Reason, apitypes.EndDeleted)
	}
	if ev.Expired.ExpiresAt.After(time.Now()) {
		t.Errorf("got expires_at %s in the future, want the time of deletion", ev.Expired.ExpiresAt)
	}
}

func TestEvents_MalformedResumeIDIsRejected(t *testing.T) {
	h := newAPIHarness(t)
	resp := h.get("/api/v1/inbox/events?after=nonsense")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %d, want 400", resp.StatusCode)
	}
	_, err := client.New(h.server.URL).Events(context.Background(), h.token, "nonsense")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "invalid_query" {
		t.Fatalf("Last-Event-ID nonsense: got %v, want 400 invalid_query", err)
	}
}

func TestEvents_BoundedStreamsPerInbox(t *testing.T) {
	h := newAPIHarness(t)
	for range api.DefaultMaxStreamsPerInbox {
		openEvents(t, h, "")
	}

	_, err := client.New(h.server.URL).Events(context.Background(), h.token, "")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusTooManyRequests || apiErr.Code != "too_many_streams" {
		t.Fatalf("got %v, want 429 too_many_streams", err)
	}
	if apiErr.RetryAfter <= 0 {
		t.Errorf("429 without Retry-After")
	}
}

func TestEvents_ClosedStreamFreesItsSlot(t *testing.T) {
	h := newAPIHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := client.New(h.server.URL).Events(ctx, h.token, "")
	if err != nil {
		t.Fatal(err)
	}
	for range api.DefaultMaxStreamsPerInbox - 1 {
		openEvents(t, h, "")
	}
	cancel()
	_ = s.Close()

	// The server sees the client leave a moment later.
	deadline := time.Now().Add(eventDeadline)
	for {
		s, err := client.New(h.server.URL).Events(context.Background(), h.token, "")
		if err == nil {
			_ = s.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot of a closed stream never freed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEvents_StopEndsStreams(t *testing.T) {
	h := newAPIHarness(t)
	stop := make(chan struct{})
	server := httptest.NewServer(api.New(api.Config{
		OwnerCode: "k3", DefaultTTL: time.Minute, MaxTTL: time.Hour,
		Logger: h.logger(), Stop: stop,
	}, h.svc, testDomains{"mayfly.test"}))
	defer server.Close()

	ctx, cancel := context.WithTimeout(context.Background(), eventDeadline)
	defer cancel()
	s, err := client.New(server.URL).Events(ctx, h.token, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	close(stop)
	if _, err := s.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after stop: got %v, want io.EOF", err)
	}
}

func TestEvents_BadTokenIsUnauthorized(t *testing.T) {
	h := newAPIHarness(t)
	_, err := client.New(h.server.URL).Events(context.Background(), "not-a-token", "")
	if !client.IsUnauthorized(err) {
		t.Fatalf("got %v, want 401", err)
	}
}
