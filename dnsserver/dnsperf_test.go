package dnsserver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

const (
	// perfZones is the number of zones each server of the dnsperf
	// comparison serves: the operations zone and perfDomains pool domains.
	perfZones   = 50
	perfDomains = perfZones - 1
)

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

// BenchmarkDNSPerf runs dnsperf against Mayfly, NSD, Knot DNS and CoreDNS
// serving the same perfZones zones, and reports queries per second, mean
// latency and latency percentiles of each. NSD and Knot copy the zones
// from Mayfly by AXFR, and CoreDNS serves zone files that the benchmark
// writes from its own AXFR of Mayfly. Before the load, each of them must
// answer one MX query with Mayfly's records. Each round logs Mayfly's
// ratio to the other three. No server runs response rate limiting. NSD
// runs one server process, Knot one UDP worker and CoreDNS one UDP socket
// per CPU that Go uses, as Mayfly reads UDP with one socket per CPU. Run
// it alone, because it measures the whole machine:
//
//	go test -run '^$' -bench DNSPerf -benchtime 1x ./dnsserver
//
// MAYFLY_DNSPERF_SECONDS sets the length of each run (default 10), and
// MAYFLY_DNSPERF_ROUNDS how many times the runs repeat (default 1), so that
// a load change on a shared machine shows as spread. MAYFLY_COREDNS names
// the coredns binary (see findCoreDNS). Without knotd or coredns only the
// runs of that server are skipped.
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
	primaryPort := srv.TCPAddr().(*net.TCPAddr).Port
	zones := perfZoneNames()
	workers := runtime.GOMAXPROCS(0)

	nsdAddr := startNSD(b, nsd, freePort(b), primaryPort, zones,
		fmt.Sprintf("\trrl-ratelimit: 0\n\tserver-count: %d", workers))
	waitForZones(b, nsdAddr, st, zones)
	targets := []perfTarget{
		{name: "Mayfly", addr: srv.UDPAddr().String()},
		{name: "NSD", addr: nsdAddr},
		startKnotTarget(b, primaryPort, st, zones, workers),
		startCoreDNSTarget(b, srv.TCPAddr().String(), st, zones, workers),
	}
	for _, target := range targets[1:] {
		if target.skip == "" {
			checkSameMX(b, srv.UDPAddr().String(), target.addr, perfDomain(0)+".")
		}
	}
	queries := writePerfQueries(b)

	for range rounds {
		var mayfly perfResult
		for _, target := range targets {
			b.Run(target.name, func(b *testing.B) {
				if target.skip != "" {
					b.Skip(target.skip)
				}
				result := runDNSPerf(b, dnsperf, target.addr, queries, seconds)
				result.report(b)
				// mayfly stays zero when -bench filters out Mayfly's run,
				// and then there is no ratio to log.
				switch {
				case target.name == "Mayfly":
					mayfly = result
				case mayfly.qps > 0:
					logRatio(b, target.name, mayfly, result)
				}
			})
		}
	}
}

// perfTarget is a server under test: its name, the UDP address it listens
// on, and, when it could not be started, why its runs are skipped.
type perfTarget struct {
	name, addr, skip string
}

// startKnotTarget starts Knot DNS as a secondary of Mayfly at primaryPort
// and waits until it serves every zone with Mayfly's serial. Without knotd
// it returns a target whose runs are skipped.
func startKnotTarget(b *testing.B, primaryPort int, st *state.State, zones []string, workers int) perfTarget {
	b.Helper()
	knotd, err := exec.LookPath("knotd")
	if err != nil {
		return perfTarget{name: "Knot", skip: "SKIP: knotd not installed (apt-get install knot)"}
	}
	addr := startKnot(b, knotd, freePort(b), primaryPort, zones, workers)
	waitForZones(b, addr, st, zones)
	return perfTarget{name: "Knot", addr: addr}
}

// perfZoneNames returns the operations zone and the pool domains.
func perfZoneNames() []string {
	zones := []string{testOpsZone}
	for i := range perfDomains {
		zones = append(zones, perfDomain(i))
	}
	return zones
}

// waitForZones waits until the secondary at addr serves every zone with
// the serial it has in st.
func waitForZones(b *testing.B, addr string, st *state.State, zones []string) {
	b.Helper()
	for _, zone := range zones {
		waitForSerial(b, addr, zone+".", st.Domains[zone].Serial, st.DNS.OpsSerial)
	}
}

// logRatio logs Mayfly's queries per second, mean latency and latency
// percentiles divided by those of the server named other in the same
// round. A queries-per-second ratio above 1 and a latency ratio below 1
// favour Mayfly.
func logRatio(b *testing.B, other string, mayfly, result perfResult) {
	b.Helper()
	b.Logf("Mayfly/%s: queries/s %.2f, mean latency %.2f, p50 %.2f, p90 %.2f, p99 %.2f, p99.9 %.2f",
		other, mayfly.qps/result.qps, mayfly.meanMicros/result.meanMicros,
		ratio(mayfly.p50, result.p50), ratio(mayfly.p90, result.p90),
		ratio(mayfly.p99, result.p99), ratio(mayfly.p999, result.p999))
}

// ratio returns a/b, or NaN when b is 0, which happens when a latency
// percentile is below dnsperf's resolution of 1 µs.
func ratio(a, b int) float64 {
	if b == 0 {
		return math.NaN()
	}
	return float64(a) / float64(b)
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
	dnsperfQPS       = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)
	dnsperfLatency   = regexp.MustCompile(`Average Latency \(s\):\s+([0-9.]+)`)
	dnsperfCompleted = regexp.MustCompile(`Queries completed:\s+(\d+)`)
	dnsperfLost      = regexp.MustCompile(`Queries lost:\s+(\d+)`)
	dnsperfResponse  = regexp.MustCompile(`Average packet size:\s+request \d+, response (\d+)`)
)

// perfResult is what one dnsperf run measured. Latencies are in
// microseconds, the resolution of dnsperf's verbose output, and the
// percentiles cover the completed queries only.
type perfResult struct {
	qps                 float64
	meanMicros          float64
	p50, p90, p99, p999 int
	lost                int
	responseBytes       int
}

func (r perfResult) report(b *testing.B) {
	b.ReportMetric(r.qps, "queries/s")
	b.ReportMetric(r.meanMicros, "µs/query")
	b.ReportMetric(float64(r.p50), "p50-µs")
	b.ReportMetric(float64(r.p90), "p90-µs")
	b.ReportMetric(float64(r.p99), "p99-µs")
	b.ReportMetric(float64(r.p999), "p99.9-µs")
	b.ReportMetric(float64(r.lost), "lost-queries")
	b.ReportMetric(float64(r.responseBytes), "response-bytes")
}

// runDNSPerf runs dnsperf in verbose mode against addr for seconds with the
// query file and returns what it measured. The verbose output, one line
// per query, goes to a file and is read after the run, so that parsing it
// does not take CPU from the server or dnsperf.
//
// NOTE: printing every query costs dnsperf CPU. In five paired 5 s runs on
// a shared 2-core machine, the median queries per second with -v were 3% to
// 16% lower than without it, an estimate within the machine's noise.
func runDNSPerf(b *testing.B, path, addr, queries string, seconds int) perfResult {
	b.Helper()
	host, port := splitAddrTB(b, addr)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+30)*time.Second)
	defer cancel()
	outPath := filepath.Join(b.TempDir(), "dnsperf.out")
	out, err := os.Create(outPath)
	if err != nil {
		b.Fatalf("create dnsperf output file: %v", err)
	}
	defer os.Remove(outPath)
	defer out.Close()

	args := []string{"-s", host, "-p", port, "-d", queries, "-l", strconv.Itoa(seconds), "-c", "4", "-T", "1", "-q", "200", "-v"}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = out, &stderr
	runErr := cmd.Run()

	summary, latencies := readDNSPerfOutput(b, outPath)
	if runErr != nil {
		b.Fatalf("dnsperf %s: %v\n%s%s", strings.Join(args, " "), runErr, stderr.Bytes(), summary)
	}
	b.Logf("dnsperf %s\n%s", strings.Join(args, " "), selectLines(summary, dnsperfLoggedLines))
	return parseDNSPerf(b, summary, latencies)
}

// dnsperfLoggedLines start the statistics lines that runDNSPerf logs. Go
// prints at most nine lines of a benchmark's log, so the status lines and
// the rest of the statistics are left out.
var dnsperfLoggedLines = []string{
	"Queries completed:", "Queries lost:", "Response codes:",
	"Average packet size:", "Queries per second:", "Average Latency (s):",
}

// selectLines returns the lines of text that, without leading blanks,
// start with one of prefixes.
func selectLines(text []byte, prefixes []string) string {
	var selected []string
	for line := range strings.Lines(string(text)) {
		trimmed := strings.TrimSpace(line)
		for _, prefix := range prefixes {
			if strings.HasPrefix(trimmed, prefix) {
				selected = append(selected, trimmed)
				break
			}
		}
	}
	return strings.Join(selected, "\n")
}

// readDNSPerfOutput reads dnsperf's verbose output file and returns the
// lines other than the per-query ones, and the latency in microseconds of
// every query that got a response. A query line reads
// "> RCODE NAME TYPE SECONDS", or "> T NAME TYPE" for a query that timed
// out and "> I ..." for one interrupted at the end of the run.
func readDNSPerfOutput(b *testing.B, path string) ([]byte, []int) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatalf("open dnsperf output: %v", err)
	}
	defer f.Close()

	var summary bytes.Buffer
	var latencies []int
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := scanner.Text()
		if !strings.HasPrefix(line, "> ") {
			summary.WriteString(line + "\n")
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 5 {
			continue
		}
		seconds, err := strconv.ParseFloat(fields[4], 64)
		if err != nil {
			b.Fatalf("dnsperf query line %q: invalid latency: %v", line, err)
		}
		latencies = append(latencies, int(math.Round(seconds*1e6)))
	}
	if err := scanner.Err(); err != nil {
		b.Fatalf("read dnsperf output: %v", err)
	}
	return summary.Bytes(), latencies
}

// parseDNSPerf takes queries per second, mean latency, loss and response
// size from dnsperf's statistics and the percentiles from the per-query
// latencies. It fails when the number of per-query lines differs from the
// completed queries dnsperf counted, because then the percentiles would
// describe a different set of queries than the mean.
func parseDNSPerf(b *testing.B, summary []byte, latencies []int) perfResult {
	b.Helper()
	qps := dnsperfQPS.FindSubmatch(summary)
	latency := dnsperfLatency.FindSubmatch(summary)
	completed := dnsperfCompleted.FindSubmatch(summary)
	lost := dnsperfLost.FindSubmatch(summary)
	response := dnsperfResponse.FindSubmatch(summary)
	if qps == nil || latency == nil || completed == nil || lost == nil || response == nil {
		b.Fatalf("dnsperf statistics missing a line: queries per second, average latency, queries completed, queries lost or average packet size")
	}
	if n, _ := strconv.Atoi(string(completed[1])); n != len(latencies) || n == 0 {
		b.Fatalf("dnsperf reported %d completed queries but printed %d query latencies", n, len(latencies))
	}

	r := perfResult{}
	r.qps, _ = strconv.ParseFloat(string(qps[1]), 64)
	mean, _ := strconv.ParseFloat(string(latency[1]), 64)
	r.meanMicros = mean * 1e6
	r.lost, _ = strconv.Atoi(string(lost[1]))
	r.responseBytes, _ = strconv.Atoi(string(response[1]))
	slices.Sort(latencies)
	r.p50 = percentile(latencies, 50)
	r.p90 = percentile(latencies, 90)
	r.p99 = percentile(latencies, 99)
	r.p999 = percentile(latencies, 99.9)
	return r
}

// percentile returns the nearest-rank p-th percentile of the sorted,
// non-empty values.
func percentile(sorted []int, p float64) int {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func splitAddrTB(b *testing.B, addr string) (string, string) {
	b.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		b.Fatalf("split %s: %v", addr, err)
	}
	return host, port
}

// checkSameMX fails the benchmark unless the server at addr answers the
// MX query for zone authoritatively with the records Mayfly returns, so
// that the servers compared serve the same data.
func checkSameMX(b *testing.B, mayfly, addr, zone string) {
	b.Helper()
	want := exchangeUDP(b, mayfly, newQuery(zone, dns.TypeMX))
	got := exchangeUDP(b, addr, newQuery(zone, dns.TypeMX))
	if len(want.Answer) == 0 {
		b.Fatalf("Mayfly's MX answer for %s is empty", zone)
	}
	if !got.Authoritative {
		b.Fatalf("MX answer for %s from %s: AA clear, want set", zone, addr)
	}
	g, w := recordStrings(got.Answer), recordStrings(want.Answer)
	if !slices.Equal(g, w) {
		b.Fatalf("MX answer for %s from %s: got\n%s\nwant Mayfly's\n%s", zone, addr, strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
}

func exchangeUDP(t testing.TB, addr string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	reply, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("exchange %s %s with %s: %v", m.Question[0].Name, dns.TypeToString[m.Question[0].Qtype], addr, err)
	}
	return reply
}
