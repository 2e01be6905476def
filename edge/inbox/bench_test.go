package inbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/seal"
)

// BenchmarkDeliver4KiB delivers from many goroutines, as an SMTP server
// does, so bbolt's group commit shares one fsync among them.
func BenchmarkDeliver4KiB(b *testing.B) {
	h := newHarness(b)
	address := uniqueAddress(b)
	h.create(address, 168*time.Hour)
	raw := randomBody(b, 4<<10)
	meta := inbox.MessageMeta{From: "sender@sender.test", Subject: "benchmark"}

	b.SetBytes(int64(len(raw)))
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.svc.Deliver(context.Background(), address, inbox.Envelope{}, meta, raw); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAuthenticateMessages lists an inbox of ten messages, one HPKE
// decapsulation each.
func BenchmarkAuthenticateMessages(b *testing.B) {
	h := newHarness(b)
	address := uniqueAddress(b)
	created := h.create(address, time.Hour)
	for range 10 {
		h.deliver(address, "benchmark", randomBody(b, 4<<10))
	}
	ctx := context.Background()

	for b.Loop() {
		a, err := h.svc.Authenticate(ctx, created.Token)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.Messages(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticate compares a success with each kind of failure, which
// should all take about the same time.
func BenchmarkAuthenticate(b *testing.B) {
	h := newHarness(b)
	live := h.create(uniqueAddress(b), time.Hour)
	expired := h.create(uniqueAddress(b), time.Minute)
	h.clock.Advance(time.Minute)
	unknown, err := seal.NewToken("k3")
	if err != nil {
		b.Fatal(err)
	}

	tokens := []struct {
		name, token string
	}{
		{"valid", live.Token},
		{"unknown", unknown.String()},
		{"expired", expired.Token},
		{"malformed", "not-a-token"},
	}
	for _, tt := range tokens {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				_, _ = h.svc.Authenticate(context.Background(), tt.token)
			}
		})
	}
}
