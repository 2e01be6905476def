// Command apiload drives an edge's public API with a fixed number of
// concurrent clients and prints, for each operation and client count, the
// requests per second and the latency percentiles.
//
// By default each client sends its next request when the previous reply
// arrives (a closed loop), which measures the most the edge serves. With
// -rate, requests start at that fixed rate whatever the replies' speed
// (an open loop), and the clients bound how many are in flight. Each
// latency then counts from the request's scheduled start, so it includes
// the wait behind slow replies.
//
// Operations: create (POST /api/v1/inboxes), list (GET
// /api/v1/inbox/messages) and read (GET /api/v1/inbox/messages/{id}). For
// list and read, each client first creates its own inbox and sends it one
// message over SMTP, so that every request finds a message. The edge's
// rate limits must be off (edge.rate_create and edge.rate_api set to 0),
// or the figures measure the limiter.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mayfly-mail/mayfly/edge/client"
)

func main() {
	apiURL := flag.String("url", "http://127.0.0.1:8080", "base URL of the edge's public API")
	smtpAddr := flag.String("smtp", "127.0.0.1:2525", "host:port of the edge's SMTP listener, to fill inboxes for list and read")
	clientList := flag.String("clients", "1,16,64", "comma-separated counts of concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "how long each operation runs at each client count")
	ops := flag.String("ops", "create,list,read", "comma-separated operations: create, list, read")
	rate := flag.Float64("rate", 0, "requests per second to start whatever the replies' speed (open loop); 0 sends each client's next request on the reply (closed loop)")
	flag.Parse()

	counts, err := parseCounts(*clientList)
	if err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(2)
	}
	if *rate < 0 {
		fmt.Fprintf(os.Stderr, "apiload: invalid -rate %v: want 0 (closed loop) or a positive number of requests per second\n", *rate)
		os.Exit(2)
	}
	if err := run(context.Background(), *apiURL, *smtpAddr, counts, strings.Split(*ops, ","), *duration, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
}

// run measures every operation at every client count and prints one table.
// A positive rate runs every operation in an open loop at that rate.
func run(ctx context.Context, apiURL, smtpAddr string, counts []int, ops []string, duration time.Duration, rate float64) error {
	// Keep one connection per client alive, as a browser or script would,
	// instead of the default two idle connections per host.
	http.DefaultTransport.(*http.Transport).MaxIdleConnsPerHost = 256
	api := client.New(apiURL)
	if err := api.Ready(ctx); err != nil {
		return fmt.Errorf("edge at %s not ready: %w", apiURL, err)
	}

	if rate > 0 {
		fmt.Printf("open loop: %.0f requests per second offered, latency from each request's scheduled start\n", rate)
	}
	fmt.Printf("%-7s %7s %9s %10s %9s %9s %9s %9s %7s\n",
		"op", "clients", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors")
	for _, op := range ops {
		for _, n := range counts {
			workers, err := newWorkers(ctx, api, smtpAddr, op, n)
			if err != nil {
				return err
			}
			var r *result
			if rate > 0 {
				r = measureRate(ctx, workers, rate, duration)
			} else {
				r = measure(ctx, workers, duration)
			}
			fmt.Printf("%-7s %7d %9d %10.0f %9.2f %9.2f %9.2f %9.2f %7d\n", op, n, len(r.latencies),
				float64(len(r.latencies))/r.elapsed.Seconds(),
				ms(r.percentile(50)), ms(r.percentile(90)), ms(r.percentile(99)), ms(r.percentile(100)), r.errors)
			if r.firstErr != nil {
				fmt.Fprintf(os.Stderr, "apiload: %s with %d clients: first error: %v\n", op, n, r.firstErr)
			}
		}
	}
	return nil
}

// parseCounts parses a comma-separated list of positive client counts.
func parseCounts(list string) ([]int, error) {
	var counts []int
	for field := range strings.SplitSeq(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("invalid client count %q in -clients: want positive integers separated by commas", field)
		}
		counts = append(counts, n)
	}
	if len(counts) == 0 {
		return nil, errors.New("-clients is empty: want positive integers separated by commas")
	}
	return counts, nil
}

func ms(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
