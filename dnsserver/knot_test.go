package dnsserver

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// startKnot writes a Knot DNS configuration in a temporary directory that
// makes knotd a secondary of Mayfly at primaryPort for zones, with
// udpWorkers UDP threads. It starts knotd in the foreground on port, with
// its storage, rundir and log in that directory, and stops it by its PID
// when the test ends. It returns the address knotd listens on, where the
// zones are served only once their transfers finish.
func startKnot(t testing.TB, path string, port, primaryPort int, zones []string, udpWorkers int) string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "knot.conf")
	logFile := filepath.Join(dir, "knot.log")
	config := knotConfig(dir, logFile, port, primaryPort, zones, udpWorkers)
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		t.Fatalf("write knot config: %v", err)
	}
	check := exec.Command("knotc", "-c", conf, "conf-check")
	if out, err := check.CombinedOutput(); err != nil && !isNotFound(err) {
		t.Fatalf("knotc conf-check: %v\n%s", err, out)
	}

	cmd := exec.Command(path, "-c", conf)
	cmd.Stdout, cmd.Stderr = testWriter{t}, testWriter{t}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// Knot may reply SERVFAIL before its first transfer, which is enough
	// to know it listens: the caller waits for the serials afterwards.
	startPeer(t, "knotd", cmd, logFile, addr, zones[0], func(*dns.Msg) bool { return true })
	return addr
}

// startPeer starts the server process of cmd, stops it by its PID when
// the test ends, and waits until ready accepts its reply to an SOA query
// for zone at addr. It fails the test when the process exits first.
func startPeer(t testing.TB, name string, cmd *exec.Cmd, logFile, addr, zone string, ready func(*dns.Msg) bool) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stopPeer(t, name, cmd.Process, exited, logFile) })

	waitUntil(t, 10*time.Second, name+" to reply", func() bool {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s exited: %v\n%s", name, err, readFile(logFile))
		default:
		}
		c := &dns.Client{Net: "udp", Timeout: 200 * time.Millisecond}
		reply, _, err := c.Exchange(newQuery(zone+".", dns.TypeSOA), addr)
		return err == nil && ready(reply)
	})
}

// knotConfig returns a knotd configuration (Knot DNS 3.2 syntax) that keeps
// every file in dir and transfers zones from Mayfly with the test TSIG
// key. Knot has no response rate limiting unless the rrl module is
// configured, and this configuration does not load it.
func knotConfig(dir, logFile string, port, primaryPort int, zones []string, udpWorkers int) string {
	var conf strings.Builder
	fmt.Fprintf(&conf, `server:
    rundir: "%[1]s"
    pidfile: "%[1]s/knot.pid"
    listen: 127.0.0.1@%[2]d
    udp-workers: %[3]d

control:
    listen: "%[1]s/knot.sock"

log:
  - target: "%[4]s"
    any: info

database:
    storage: "%[1]s"

key:
  - id: %[5]s
    algorithm: hmac-sha256
    secret: %[6]s

remote:
  - id: mayfly
    address: 127.0.0.1@%[7]d
    key: %[5]s

template:
  - id: default
    storage: "%[1]s"
    file: "%%s.zone"
    master: mayfly

zone:
`, dir, port, udpWorkers, logFile, testKeyName, testKeySecret, primaryPort)
	for _, zone := range zones {
		fmt.Fprintf(&conf, "  - domain: %s\n", zone)
	}
	return conf.String()
}

// stopPeer ends a server process the test started: SIGTERM by its PID,
// then SIGKILL if it has not exited within five seconds. When the test
// failed it logs the server's log file.
func stopPeer(t testing.TB, name string, p *os.Process, exited <-chan error, logFile string) {
	t.Helper()
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = p.Kill()
		<-exited
	}
	if t.Failed() {
		t.Logf("%s log:\n%s", name, readFile(logFile))
	}
}
