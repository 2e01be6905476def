package dnsserver

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

const (
	// corednsPeerPath is where bench/README.md builds the peers.
	corednsPeerPath = "/tmp/mayfly-peers/bin/coredns"
	// corednsBuild builds the CoreDNS version the benchmark was written
	// against into corednsPeerPath.
	corednsBuild = "GOBIN=/tmp/mayfly-peers/bin go install github.com/coredns/coredns@v1.12.4"
)

// findCoreDNS returns the coredns binary named by $MAYFLY_COREDNS, else
// coredns in PATH, else corednsPeerPath. When none exists it returns a
// skip message with the build command.
func findCoreDNS() (path, skip string) {
	if path := os.Getenv("MAYFLY_COREDNS"); path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Sprintf("SKIP: MAYFLY_COREDNS=%s: %v (build CoreDNS with: %s)", path, err, corednsBuild)
		}
		return path, ""
	}
	if path, err := exec.LookPath("coredns"); err == nil {
		return path, ""
	}
	if _, err := os.Stat(corednsPeerPath); err == nil {
		return corednsPeerPath, ""
	}
	return "", fmt.Sprintf("SKIP: coredns not found in MAYFLY_COREDNS, PATH or %s (build it with: %s)", corednsPeerPath, corednsBuild)
}

// startCoreDNSTarget starts CoreDNS serving zones as copied from Mayfly's
// TCP address primary, with GOMAXPROCS and one UDP socket per worker, and
// waits until it serves every zone with Mayfly's serial. Without a coredns
// binary it returns a target whose runs are skipped.
//
// CoreDNS 1.12.4's secondary plugin sends its AXFR unsigned (Zone.TransferIn
// in plugin/file/secondary.go sets no TSIG), and Mayfly allows transfers to
// loopback only with the test TSIG key. So the benchmark transfers each
// zone itself, signed with that key, and CoreDNS serves the zone files
// with the file plugin.
func startCoreDNSTarget(b *testing.B, primary string, st *state.State, zones []string, workers int) perfTarget {
	b.Helper()
	path, skip := findCoreDNS()
	if skip != "" {
		return perfTarget{name: "CoreDNS", skip: skip}
	}
	version, err := exec.Command(path, "-version").Output()
	if err != nil {
		b.Fatalf("%s -version: %v", path, err)
	}
	b.Logf("%s: %s", path, strings.Join(strings.Fields(string(version)), " "))

	dir := b.TempDir()
	for _, zone := range zones {
		writeZoneFile(b, primary, zone, filepath.Join(dir, zone+".zone"))
	}
	addr := startCoreDNS(b, path, dir, freePort(b), zones, workers)
	waitForZones(b, addr, st, zones)
	return perfTarget{name: "CoreDNS", addr: addr}
}

// writeZoneFile transfers zone from the primary at addr by AXFR signed
// with the test TSIG key and writes the records to path in zone-file
// format, with the SOA once at the top.
func writeZoneFile(t testing.TB, addr, zone, path string) {
	t.Helper()
	m := new(dns.Msg)
	m.SetAxfr(dns.Fqdn(zone))
	m.SetTsig(testKeyName, dns.HmacSHA256, 300, time.Now().Unix())
	tr := &dns.Transfer{
		TsigSecret:  map[string]string{testKeyName: testKeySecret},
		DialTimeout: 2 * time.Second,
		ReadTimeout: 5 * time.Second,
	}
	envelopes, err := tr.In(m, addr)
	if err != nil {
		t.Fatalf("AXFR %s from %s: %v", zone, addr, err)
	}
	var records []dns.RR
	for env := range envelopes {
		if env.Error != nil {
			t.Fatalf("AXFR %s from %s: %v", zone, addr, env.Error)
		}
		records = append(records, env.RR...)
	}

	// RFC 5936 §2.2: the SOA opens and closes the transfer, and a zone
	// file holds it once.
	if len(records) < 2 || records[0].Header().Rrtype != dns.TypeSOA || records[len(records)-1].Header().Rrtype != dns.TypeSOA {
		t.Fatalf("AXFR %s from %s: got %d records, want SOA first and last", zone, addr, len(records))
	}
	var text strings.Builder
	for _, rr := range records[:len(records)-1] {
		text.WriteString(rr.String() + "\n")
	}
	if err := os.WriteFile(path, []byte(text.String()), 0o600); err != nil {
		t.Fatalf("write zone file of %s: %v", zone, err)
	}
}

// startCoreDNS writes a Corefile in dir that serves each zone from
// dir/ZONE.zone on 127.0.0.1 port, starts coredns with it and
// GOMAXPROCS=workers, and stops it by its PID when the test ends. It
// returns the address CoreDNS listens on. CoreDNS writes its log to
// dir/coredns.log, which the test logs when it fails.
func startCoreDNS(t testing.TB, path, dir string, port int, zones []string, workers int) string {
	t.Helper()
	corefile := filepath.Join(dir, "Corefile")
	if err := os.WriteFile(corefile, []byte(corednsConfig(dir, port, zones, workers)), 0o600); err != nil {
		t.Fatalf("write Corefile: %v", err)
	}
	logFile := filepath.Join(dir, "coredns.log")
	logOut, err := os.Create(logFile)
	if err != nil {
		t.Fatalf("create coredns log: %v", err)
	}
	defer logOut.Close()

	cmd := exec.Command(path, "-conf", corefile)
	// The test's own GOMAXPROCS gives CoreDNS as many CPUs as Mayfly, also
	// when go test -cpu or the environment changes the default.
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(workers))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logOut, logOut
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	startPeer(t, "coredns", cmd, logFile, addr, zones[0], func(reply *dns.Msg) bool {
		return reply.Rcode == dns.RcodeSuccess
	})
	return addr
}

// corednsConfig returns a Corefile (CoreDNS 1.12 syntax) with one server
// block per zone, the usual layout for authoritative zones. Each block
// binds 127.0.0.1 only and opens workers UDP sockets on the port with the
// multisocket plugin, as Mayfly reads UDP with one socket per CPU. The
// file plugin does not check the zone files for changes (reload 0),
// because they stay the same during the run. No plugin logs queries,
// caches replies or limits response rates.
func corednsConfig(dir string, port int, zones []string, workers int) string {
	var conf strings.Builder
	for _, zone := range zones {
		fmt.Fprintf(&conf, `%s:%d {
	bind 127.0.0.1
	multisocket %d
	file "%s" {
		reload 0
	}
}
`, zone, port, workers, filepath.Join(dir, zone+".zone"))
	}
	return conf.String()
}
