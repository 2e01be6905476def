package dnsserver

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// nsdZones are the zones the NSD secondary of the test transfers.
var nsdZones = []string{"mayfly.test", "old-mayfly.test", "mayfly-ops.test"}

// TestNSDSecondary runs NSD as a real secondary on loopback: it transfers
// the zones over TCP with TSIG, answers the same MX as Mayfly, and after a
// change picks up the new serial because Mayfly sends it a NOTIFY. The
// SOA refresh of the fixture is an hour, so only the NOTIFY can explain a
// quick update.
func TestNSDSecondary(t *testing.T) {
	nsdPath, err := exec.LookPath("nsd")
	if err != nil {
		t.Skip("SKIP: nsd not installed (apt-get install nsd)")
	}
	var current atomic.Pointer[state.State]
	current.Store(testState())

	nsdPort := freePort(t)
	cfg := transferConfig()
	cfg.Notify = []NotifyTarget{{Addr: "127.0.0.1:" + strconv.Itoa(nsdPort), Key: testKeyName}}
	cfg.PollInterval = 50 * time.Millisecond
	srv := startConfigured(t, Config{Source: current.Load, Transfer: cfg})

	nsdAddr := startNSD(t, nsdPath, nsdPort, srv.TCPAddr().(*net.TCPAddr).Port, nsdZones, "")
	for _, zone := range nsdZones {
		waitForSerial(t, nsdAddr, zone+".", current.Load().Domains[zone].Serial, current.Load().DNS.OpsSerial)
	}
	assertSameMX(t, srv.UDPAddr().String(), nsdAddr, "mayfly.test.", 2)
	assertSameMX(t, srv.UDPAddr().String(), nsdAddr, "old-mayfly.test.", 1)

	// A new edge joins region local: the pool domain's MX and the
	// operations zone change, and so do their serials.
	next := current.Load().Clone()
	next.Index++
	addEdge(next, state.Edge{ID: "local-6", Region: "local", MXHost: "f.mx." + testOpsZone, Addrs: []string{"192.0.2.40"}})
	d := next.Domains["mayfly.test"]
	d.Serial++
	next.Domains["mayfly.test"] = d
	next.DNS.OpsSerial++
	current.Store(next)

	waitForSerial(t, nsdAddr, "mayfly.test.", d.Serial, 0)
	waitForSerial(t, nsdAddr, "mayfly-ops.test.", 0, next.DNS.OpsSerial)
	assertSameMX(t, srv.UDPAddr().String(), nsdAddr, "mayfly.test.", 3)
	reply := exchangeAddr(t, nsdAddr, newQuery("f.mx.mayfly-ops.test.", dns.TypeA))
	assertRecords(t, "secondary's answer", reply.Answer, mustRRs(t, "f.mx.mayfly-ops.test. 3600 IN A 192.0.2.40"))
}

// freePort returns a port that is free for TCP on 127.0.0.1 now. NSD binds
// UDP and TCP itself, so the port may be taken again in between. The test then
// fails with NSD's log.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startNSD writes an NSD configuration in a temporary directory that makes
// NSD a secondary of Mayfly at primaryPort for nsdZones, starts it in the
// foreground on port and stops it by its PID when the test ends. It
// returns the address NSD answers on.
func startNSD(t testing.TB, path string, port, primaryPort int, zones []string, extra string) string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "nsd.conf")
	if err := os.WriteFile(conf, []byte(nsdConfig(dir, port, primaryPort, zones, extra)), 0o600); err != nil {
		t.Fatalf("write nsd config: %v", err)
	}
	check := exec.Command("nsd-checkconf", conf)
	if out, err := check.CombinedOutput(); err != nil && !isNotFound(err) {
		t.Fatalf("nsd-checkconf: %v\n%s", err, out)
	}

	cmd := exec.Command(path, "-d", "-c", conf)
	cmd.Stdout, cmd.Stderr = testWriter{t}, testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nsd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stopPeer(t, "nsd", cmd.Process, exited, filepath.Join(dir, "nsd.log")) })

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	waitUntil(t, 10*time.Second, "nsd to answer", func() bool {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("nsd exited: %v\n%s", err, readFile(filepath.Join(dir, "nsd.log")))
		default:
		}
		c := &dns.Client{Net: "udp", Timeout: 200 * time.Millisecond}
		_, _, err := c.Exchange(newQuery("mayfly.test.", dns.TypeSOA), addr)
		return err == nil
	})
	return addr
}

func nsdConfig(dir string, port, primaryPort int, zones []string, extra string) string {
	conf := fmt.Sprintf(`server:
	ip-address: 127.0.0.1@%d
	do-ip6: no
	zonesdir: "%s"
	pidfile: "%s/nsd.pid"
	database: ""
	zonelistfile: "%s/zone.list"
	xfrdfile: "%s/xfrd.state"
	xfrdir: "%s"
	logfile: "%s/nsd.log"
	username: ""
	chroot: ""
	verbosity: 2
	xfrd-reload-timeout: 0
	hide-version: yes
%s
remote-control:
	control-enable: no
key:
	name: %s
	algorithm: hmac-sha256
	secret: "%s"
`, port, dir, dir, dir, dir, dir, dir, extra, testKeyName, testKeySecret)
	for _, zone := range zones {
		conf += fmt.Sprintf(`zone:
	name: %s
	zonefile: "%s.zone"
	request-xfr: 127.0.0.1@%d %s
	allow-notify: 127.0.0.1 %s
`, zone, zone, primaryPort, testKeyName, testKeyName)
	}
	return conf
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func isNotFound(err error) bool {
	_, ok := err.(*exec.Error)
	return ok
}

// waitUntil polls cond every 50 ms until it holds, failing the test after
// timeout.
func waitUntil(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waited %s for %s", timeout, what)
		case <-tick.C:
		}
	}
}

// waitForSerial waits until the server at addr answers the SOA of zone with
// the domain serial, or with the operations serial for the operations
// zone.
func waitForSerial(t testing.TB, addr, zone string, domainSerial, opsSerial uint32) {
	t.Helper()
	want := domainSerial
	if zone == testOpsZone+"." {
		want = opsSerial
	}
	var got uint32
	waitUntil(t, 20*time.Second, fmt.Sprintf("serial %d of %s at the secondary", want, zone), func() bool {
		c := &dns.Client{Net: "udp", Timeout: 500 * time.Millisecond}
		reply, _, err := c.Exchange(newQuery(zone, dns.TypeSOA), addr)
		if err != nil || reply.Rcode != dns.RcodeSuccess || len(reply.Answer) != 1 {
			return false
		}
		got = reply.Answer[0].(*dns.SOA).Serial
		return got == want
	})
}

// assertSameMX checks that the secondary answers zone's MX like Mayfly,
// with want records.
func assertSameMX(t *testing.T, mayfly, secondary, zone string, want int) {
	t.Helper()
	primary := exchangeAddr(t, mayfly, newQuery(zone, dns.TypeMX))
	copied := exchangeAddr(t, secondary, newQuery(zone, dns.TypeMX))
	if len(primary.Answer) != want {
		t.Errorf("Mayfly MX of %s: got %d records, want %d", zone, len(primary.Answer), want)
	}
	if !copied.Authoritative {
		t.Errorf("secondary's MX answer for %s: AA clear, want set", zone)
	}
	assertRecords(t, "secondary's MX answer", copied.Answer, primary.Answer)
}

func exchangeAddr(t *testing.T, addr string, m *dns.Msg) *dns.Msg {
	t.Helper()
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		t.Fatalf("parse %s: %v", addr, err)
	}
	return exchange(t, "udp", net.UDPAddrFromAddrPort(ap), m)
}
