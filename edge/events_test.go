package edge

import (
	"context"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/client"
)

// eventLatencyBound is how soon after the 250 reply a client on another
// edge must see the message event. The event travels over loopback, so
// the bound leaves a wide margin for a loaded machine.
const eventLatencyBound = time.Second

func TestTwoEdges_EventsThroughForwarding(t *testing.T) {
	cp := startControlPlane(t)
	a := startEdge(t, testEdgeConfig(cp), "edge-a")
	b := startEdge(t, testEdgeConfig(cp), "edge-b")
	a.waitKnows(t, b.ownCode())
	b.waitKnows(t, a.ownCode())
	addrs := &clientAddrs{}
	onA := createInbox(t, addrs.httpClient(), a)
	viaB := client.New(b.baseURL())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stream, err := viaB.Events(ctx, onA.Token, "")
	if err != nil {
		t.Fatalf("open events on edge B for an inbox on A: %v", err)
	}
	defer stream.Close()

	raw := testMessage(onA.Address, "Subject-Marker-Event", "Body-Marker-Event")
	if code, msg := dialSMTP(t, a, addrs).deliver("sender@example.test", []string{onA.Address}, raw); code != 250 {
		t.Fatalf("end of DATA: got %d %s, want 250", code, msg)
	}
	accepted := time.Now()
	ev, err := stream.Next()
	if err != nil {
		t.Fatalf("read event: %v", err)
	}
	latency := time.Since(accepted)
	t.Logf("message event %s after the 250", latency)
	if ev.Type != apitypes.EventMessage || ev.Message.Subject != "Subject-Marker-Event" {
		t.Fatalf("got %+v, want the message event of the mail sent", ev)
	}
	if latency > eventLatencyBound {
		t.Errorf("message event came %s after the 250, want within %s", latency, eventLatencyBound)
	}

	// The client drops the stream; mail keeps arriving; a reconnect with
	// Last-Event-ID through B gets what it missed, in arrival order.
	lastSeen := stream.LastEventID()
	_ = stream.Close()
	var subjects []string
	for _, subject := range []string{"Subject-Marker-Missed-1", "Subject-Marker-Missed-2"} {
		raw := testMessage(onA.Address, subject, "missed")
		if code, msg := dialSMTP(t, b, addrs).deliver("sender@example.test", []string{onA.Address}, raw); code != 250 {
			t.Fatalf("end of DATA: got %d %s, want 250", code, msg)
		}
		subjects = append(subjects, subject)
	}
	resumed, err := viaB.Events(ctx, onA.Token, lastSeen)
	if err != nil {
		t.Fatalf("reopen events with Last-Event-ID: %v", err)
	}
	defer resumed.Close()
	for _, want := range subjects {
		ev, err := resumed.Next()
		if err != nil {
			t.Fatalf("read resumed event: %v", err)
		}
		if ev.Message.Subject != want {
			t.Fatalf("resumed stream: got subject %q, want %q", ev.Message.Subject, want)
		}
	}

	// Stopping B ends the forwarded stream rather than holding the
	// shutdown open.
	stopEdge(t, b.Node)
	if _, err := resumed.Next(); err == nil {
		t.Errorf("forwarded stream still open after edge B stopped")
	}

	checkLogs(t, a.logs.String()+b.logs.String(), []string{onA.Token, onA.Address, localPart(onA.Address)})
}
