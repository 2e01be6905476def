package inbox_test

import (
	"context"
	"runtime"
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

// BenchmarkDelivery_4KiB_Parallel streams 4 KiB messages from 20
// goroutines, like 20 SMTP sessions, through BeginDelivery, Write and
// Commit. It reports messages per second.
func BenchmarkDelivery_4KiB_Parallel(b *testing.B) {
	h := newHarness(b)
	address := uniqueAddress(b)
	h.create(address, 168*time.Hour)
	raw := randomBody(b, 4<<10)
	rcpts := []inbox.DeliveryRecipient{recipient(address)}
	meta := inbox.MessageMeta{From: "sender@sender.test", Subject: "benchmark"}
	ctx := context.Background()

	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	// 10 goroutines per CPU: 20 on a 2-core machine.
	b.SetParallelism(20 / max(runtime.GOMAXPROCS(0), 1))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d, err := h.svc.BeginDelivery(ctx, inbox.Envelope{From: "bounce@sender.test"}, rcpts)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := d.Write(raw); err != nil {
				b.Error(err)
				return
			}
			if _, err := d.Commit(ctx, meta); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDelivery_25MiB streams one 25 MiB message per operation in
// writes of 32 KiB. Its allocated bytes per operation show that memory
// does not grow with the message.
func BenchmarkDelivery_25MiB(b *testing.B) {
	h := newHarness(b)
	address := uniqueAddress(b)
	created := h.create(address, 168*time.Hour)
	a := h.authenticate(created.Token)
	block := randomBody(b, 32<<10)
	const size = 25 << 20
	ctx := context.Background()

	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		d := h.begin(recipient(address))
		for range size / len(block) {
			if _, err := d.Write(block); err != nil {
				b.Fatal(err)
			}
		}
		commit(b, d, "25 MiB")

		// Delete the message, so that the benchmark does not fill the disk.
		b.StopTimer()
		if err := a.DeleteMessage(ctx, onlyMessage(b, a).ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
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
