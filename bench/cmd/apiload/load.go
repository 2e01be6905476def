package main

import (
	"context"
	"fmt"
	"net/smtp"
	"slices"
	"sync"
	"time"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/client"
)

// request is one API call that a worker repeats.
type request func(ctx context.Context) error

// result collects what every worker of one run measured.
type result struct {
	latencies []time.Duration // sorted after measure returns
	errors    int
	firstErr  error
	elapsed   time.Duration
}

// percentile returns the p-th percentile latency (nearest rank), or 0
// without samples.
func (r *result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(r.latencies))+0.5) - 1
	return r.latencies[min(max(rank, 0), len(r.latencies)-1)]
}

// measure runs every worker in a loop for the duration and merges their
// latencies. Failed calls count as errors and add no latency.
func measure(ctx context.Context, workers []request, duration time.Duration) *result {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()

	start := time.Now()
	total := runAll(workers, func(call request) *result { return loop(ctx, call) })
	total.elapsed = time.Since(start)
	return total
}

// runAll runs every worker's call through run, each in its own goroutine,
// and merges what they measured, the latencies sorted.
func runAll(workers []request, run func(request) *result) *result {
	var mu sync.Mutex
	total := &result{}
	var wg sync.WaitGroup
	for _, call := range workers {
		wg.Go(func() {
			own := run(call)
			mu.Lock()
			defer mu.Unlock()
			total.latencies = append(total.latencies, own.latencies...)
			total.errors += own.errors
			if total.firstErr == nil {
				total.firstErr = own.firstErr
			}
		})
	}
	wg.Wait()
	slices.Sort(total.latencies)
	return total
}

// add records one call that took latency and returned err. A call cut
// short by the end of the run (ctx) is not counted.
func (r *result) add(ctx context.Context, latency time.Duration, err error) {
	switch {
	case err == nil:
		r.latencies = append(r.latencies, latency)
	case ctx.Err() == nil:
		r.errors++
		if r.firstErr == nil {
			r.firstErr = err
		}
	}
}

// loop repeats one call until ctx ends.
func loop(ctx context.Context, call request) *result {
	r := &result{}
	for ctx.Err() == nil {
		begin := time.Now()
		err := call(ctx)
		r.add(ctx, time.Since(begin), err)
	}
	return r
}

// newWorkers prepares n workers for an operation. For list and read each
// worker gets its own inbox holding one message.
func newWorkers(ctx context.Context, api *client.Client, smtpAddr, op string, n int) ([]request, error) {
	workers := make([]request, n)
	for i := range workers {
		if op == "create" {
			workers[i] = func(ctx context.Context) error {
				_, err := api.CreateInbox(ctx, apitypes.CreateInbox{TTL: "1h"})
				return err
			}
			continue
		}
		token, id, err := filledInbox(ctx, api, smtpAddr)
		if err != nil {
			return nil, err
		}
		switch op {
		case "list":
			workers[i] = func(ctx context.Context) error {
				_, err := api.Messages(ctx, token)
				return err
			}
		case "read":
			workers[i] = func(ctx context.Context) error {
				_, err := api.Message(ctx, token, id)
				return err
			}
		default:
			return nil, fmt.Errorf("unknown operation %q: want create, list or read", op)
		}
	}
	return workers, nil
}

// filledInbox creates an inbox, sends it one message over SMTP and returns
// the inbox's token and the message's id.
func filledInbox(ctx context.Context, api *client.Client, smtpAddr string) (token, id string, err error) {
	created, err := api.CreateInbox(ctx, apitypes.CreateInbox{TTL: "1h"})
	if err != nil {
		return "", "", fmt.Errorf("create inbox: %w", err)
	}
	msg := "From: bench@sender.example.test\r\nTo: " + created.Address +
		"\r\nSubject: Your code\r\n\r\nYour verification code is 482913.\r\n"
	if err := smtp.SendMail(smtpAddr, nil, "bench@sender.example.test", []string{created.Address}, []byte(msg)); err != nil {
		return "", "", fmt.Errorf("send message to %s: %w", smtpAddr, err)
	}
	messages, err := api.Messages(ctx, created.Token)
	if err != nil {
		return "", "", fmt.Errorf("list inbox: %w", err)
	}
	if len(messages) != 1 {
		return "", "", fmt.Errorf("inbox lists %d messages after one was accepted, want 1", len(messages))
	}
	return created.Token, messages[0].ID, nil
}

// measureRate starts calls at a fixed rate for the duration, whatever the
// replies' speed, and runs them on the workers, which bound the calls in
// flight. Each latency counts from the call's scheduled start, so the
// time a call waits for a free worker behind a slow reply is measured
// too: a closed loop would start fewer calls instead and hide that wait.
func measureRate(ctx context.Context, workers []request, rate float64, duration time.Duration) *result {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()

	interval := time.Duration(float64(time.Second) / rate)
	due := make(chan time.Time, len(workers))
	start := time.Now()
	go schedule(ctx, start, interval, due)
	total := runAll(workers, func(call request) *result { return serve(ctx, call, due) })
	total.elapsed = time.Since(start)
	return total
}

// schedule sends the start time of every call due, one per interval from
// start, until ctx ends, then closes due. Calls that fell due while it
// slept or while the workers were busy are sent at once, with their own
// start times.
func schedule(ctx context.Context, start time.Time, interval time.Duration, due chan<- time.Time) {
	defer close(due)
	for next := start; ; next = next.Add(interval) {
		if wait := time.Until(next); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		select {
		case <-ctx.Done():
			return
		case due <- next:
		}
	}
}

// serve runs one call for every start time it receives, until due closes.
func serve(ctx context.Context, call request, due <-chan time.Time) *result {
	r := &result{}
	for scheduled := range due {
		err := call(ctx)
		r.add(ctx, time.Since(scheduled), err)
	}
	return r
}
