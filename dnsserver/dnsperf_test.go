package dnsserver

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// perfDomains is the number of pool domains of the dnsperf comparison.
const perfDomains = 50

// perfState returns a pool of perfDomains active domains in one region
// with three edges, in the operations zone of the fixture.
func perfState() *state.State {
	st := testState()
	st.Domains = map[string]state.Domain{}
	st.Edges = map[string]state.Edge{}
	for i := range perfDomains {
		addDomain(st, perfDomain(i), "local", state.Active, uint32(100+i))
	}
	for i := 1; i <= 3; i++ {
		addEdge(st, state.Edge{ID: fmt.Sprintf("edge-%d", i), Region: "local", MXHost: fmt.Sprintf("mx%d.%s", i, testOpsZone),
			Addrs: []string{fmt.Sprintf("192.0.2.%d", 20+i), fmt.Sprintf("2001:db8::%d", 20+i)}})
	}
	return st
}

func perfDomain(i int) string {
	return fmt.Sprintf("pool-%02d.test", i)
}

// writePerfQueries writes the dnsperf query file: for every domain its MX,
// SOA and TXT, the A record of an MX host, and a name that does not exist.
func writePerfQueries(b *testing.B) string {
	b.Helper()
	var lines []string
	for i := range perfDomains {
		d := perfDomain(i)
		lines = append(lines,
			d+" MX",
			d+" SOA",
			d+" TXT",
			fmt.Sprintf("mx%d.%s A", i%3+1, testOpsZone),
			fmt.Sprintf("nothere-%d.%s A", i, d),
		)
	}
	path := filepath.Join(b.TempDir(), "queries.txt")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		b.Fatalf("write queries: %v", err)
	}
	return path
}

// BenchmarkDNSPerf runs dnsperf against Mayfly and against NSD serving the
// same zones, which NSD copies from Mayfly by AXFR, and reports queries
// per second and mean latency. Both servers run without response rate
// limiting, and NSD with one server process per CPU that Go uses, as
// Mayfly reads UDP with one socket per CPU. Run it alone, because it measures the whole machine:
//
//	go test -run '^$' -bench DNSPerf -benchtime 1x ./dnsserver
//
// MAYFLY_DNSPERF_SECONDS sets the length of each run (default 10), and
// MAYFLY_DNSPERF_ROUNDS how many times the pair of runs repeats (default
// 1), so that a load change on a shared machine shows as spread.
func BenchmarkDNSPerf(b *testing.B) {
	dnsperf, err1 := exec.LookPath("dnsperf")
	nsd, err2 := exec.LookPath("nsd")
	if err1 != nil || err2 != nil {
		b.Skip("SKIP: dnsperf or nsd not installed (apt-get install dnsperf nsd)")
	}
	seconds := envInt("MAYFLY_DNSPERF_SECONDS", 10)
	rounds := envInt("MAYFLY_DNSPERF_ROUNDS", 1)

	st := perfState()
	srv := startConfigured(b, Config{
		Source:   fixedSource(st),
		Transfer: transferConfig(),
	})
	zones := []string{testOpsZone}
	for i := range perfDomains {
		zones = append(zones, perfDomain(i))
	}
	nsdAddr := startNSD(b, nsd, freePort(b), srv.TCPAddr().(*net.TCPAddr).Port, zones,
		fmt.Sprintf("\trrl-ratelimit: 0\n\tserver-count: %d", runtime.GOMAXPROCS(0)))
	for _, z := range zones {
		waitForSerial(b, nsdAddr, z+".", st.Domains[z].Serial, st.DNS.OpsSerial)
	}
	queries := writePerfQueries(b)

	targets := []struct{ name, addr string }{{"Mayfly", srv.UDPAddr().String()}, {"NSD", nsdAddr}}
	for range rounds {
		for _, target := range targets {
			b.Run(target.name, func(b *testing.B) {
				qps, latency := runDNSPerf(b, dnsperf, target.addr, queries, seconds)
				b.ReportMetric(qps, "queries/s")
				b.ReportMetric(latency*1000, "µs/query")
			})
		}
	}
}

// envInt returns the positive integer in the environment variable name,
// or fallback when it is unset or not a positive integer.
func envInt(name string, fallback int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return fallback
}

var (
	dnsperfQPS     = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)
	dnsperfLatency = regexp.MustCompile(`Average Latency \(s\):\s+([0-9.]+)`)
	dnsperfLost    = regexp.MustCompile(`Queries lost:\s+(\d+)`)
)

// runDNSPerf runs dnsperf against addr for seconds with the query file and
// returns queries per second and mean latency in milliseconds.
func runDNSPerf(b *testing.B, path, addr, queries string, seconds int) (float64, float64) {
	b.Helper()
	host, port := splitAddrTB(b, addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+30)*time.Second)
	defer cancel()
	args := []string{"-s", host, "-p", port, "-d", queries, "-l", strconv.Itoa(seconds), "-c", "4", "-T", "1", "-q", "200"}
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	b.Logf("dnsperf %s\n%s", strings.Join(args, " "), out)
	if err != nil {
		b.Fatalf("dnsperf: %v", err)
	}
	qps := dnsperfQPS.FindSubmatch(out)
	latency := dnsperfLatency.FindSubmatch(out)
	lost := dnsperfLost.FindSubmatch(out)
	if qps == nil || latency == nil || lost == nil {
		b.Fatalf("dnsperf output has no queries per second, latency or loss line")
	}
	q, _ := strconv.ParseFloat(string(qps[1]), 64)
	l, _ := strconv.ParseFloat(string(latency[1]), 64)
	return q, l * 1000
}

func splitAddrTB(b *testing.B, addr string) (string, string) {
	b.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		b.Fatalf("split %s: %v", addr, err)
	}
	return host, port
}
