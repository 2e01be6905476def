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

	var mu sync.Mutex
	total := &result{}
	var wg sync.WaitGroup
	start := time.Now()
	for _, call := range workers {
		wg.Go(func() {
			own := loop(ctx, call)
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
	total.elapsed = time.Since(start)
	slices.Sort(total.latencies)
	return total
}

// loop repeats one call until ctx ends. A call cut short by the end of the
// run is not counted.
func loop(ctx context.Context, call request) *result {
	r := &result{}
	for ctx.Err() == nil {
		begin := time.Now()
		err := call(ctx)
		switch {
		case err == nil:
			r.latencies = append(r.latencies, time.Since(begin))
		case ctx.Err() == nil:
			r.errors++
			if r.firstErr == nil {
				r.firstErr = err
			}
		}
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
