package controlplane

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

// BenchmarkClusterWrite measures domain writes through the leader's API
// on a three-node cluster on loopback, with real raft-boltdb stores and
// Raft's default 1s timeouts. Each op is one HTTP request that adds new
// domains. Each case starts its own cluster; pool-10000 first fills the
// pool with 10,000 domains, because every write copies the state.
func BenchmarkClusterWrite(b *testing.B) {
	cases := []struct {
		name     string
		preload  int
		batch    int
		parallel bool
	}{
		{name: "single", batch: 1},
		{name: "single-parallel-16", batch: 1, parallel: true},
		{name: "batch-100", batch: 100},
		{name: "single-pool-10000", preload: 10000, batch: 1},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			c := startCluster(b)
			leader := operatorClient(b, c.leader())
			var seq atomic.Int64
			add := func(names int) {
				req := wire.AddDomainsRequest{Region: "local"}
				for range names {
					req.Names = append(req.Names, fmt.Sprintf("bench-%d.test", seq.Add(1)))
				}
				if _, err := leader.AddDomains(b.Context(), req); err != nil {
					b.Errorf("add domains: %v", err)
				}
			}
			for range tc.preload / 100 {
				add(100)
			}

			if tc.parallel {
				b.SetParallelism(8) // 8 per core, 16 clients on 2 cores
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						add(tc.batch)
					}
				})
			} else {
				for b.Loop() {
					add(tc.batch)
				}
			}
			b.ReportMetric(float64(tc.batch*b.N)/b.Elapsed().Seconds(), "domains/s")
		})
	}
}

// BenchmarkLeaderLossToWrite measures, in each op, the time from stopping
// the leader until a client that knows every node's API URL gets a write
// accepted, on a three-node cluster with Raft's default 1s timeouts. The
// old leader is started again before the next op. Run it with a fixed
// count, such as -benchtime=10x; it reports the minimum, median and
// maximum.
func BenchmarkLeaderLossToWrite(b *testing.B) {
	c := startCluster(b)
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, apiURL(n))
	}
	writer, err := client.New(urls, testOperatorToken)
	if err != nil {
		b.Fatalf("new client: %v", err)
	}

	var samples []time.Duration
	for i := 0; b.Loop(); i++ {
		old := slices.Index(c.nodes, c.leader())
		stopped := time.Now()
		c.stop(old)
		for {
			_, err := writer.AddDomains(b.Context(), wire.AddDomainsRequest{Names: []string{fmt.Sprintf("failover-%d.test", i)}, Region: "local"})
			if err == nil {
				break
			}
			time.Sleep(5 * time.Millisecond) // while there is no leader, every write fails at once
		}
		samples = append(samples, time.Since(stopped))

		b.StopTimer()
		c.configs[old].Bootstrap = false
		c.start(old)
		c.waitConverged()
		b.StartTimer()
	}

	slices.Sort(samples)
	b.ReportMetric(samples[0].Seconds()*1000, "min-ms")
	b.ReportMetric(samples[len(samples)/2].Seconds()*1000, "median-ms")
	b.ReportMetric(samples[len(samples)-1].Seconds()*1000, "max-ms")
}
