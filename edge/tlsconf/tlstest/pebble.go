package tlstest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Pebble is a pebble ACME server that a test started on loopback. It
// marks every challenge valid without contacting anyone
// (PEBBLE_VA_ALWAYS_VALID=1), so no validation traffic leaves the machine.
type Pebble struct {
	// Directory is the ACME directory URL.
	Directory string
	// CAFile is the PEM file of the CA of pebble's own HTTPS certificate.
	CAFile string
	// IssuerRoots trusts the certificates that pebble issues.
	IssuerRoots *x509.CertPool
}

// StartPebble builds pebble with `go tool -n pebble`, starts it and waits
// until its directory responds. It skips the test when pebble cannot be
// built. The process is stopped at the end of the test.
func StartPebble(t testing.TB) *Pebble {
	t.Helper()
	out, err := exec.Command("go", "tool", "-n", "pebble").Output()
	if err != nil {
		t.Skipf("skip: `go tool pebble` cannot be built here: %v", err)
	}
	binary := strings.TrimSpace(string(out))

	pki := NewPKI(t)
	ports := freePorts(t, 4)
	configFile := writePebbleConfig(t, pki, ports)
	cmd := exec.Command(binary, "-config", configFile, "-dnsserver", fmt.Sprintf("127.0.0.1:%d", ports[3]))
	cmd.Env = append(os.Environ(), "PEBBLE_VA_ALWAYS_VALID=1", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	cmd.Stdout, cmd.Stderr = logWriter{t}, logWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pebble: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	p := &Pebble{Directory: fmt.Sprintf("https://127.0.0.1:%d/dir", ports[0]), CAFile: pki.CAFile}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.Pool}}, Timeout: 5 * time.Second}
	waitFor(t, client, p.Directory)
	p.IssuerRoots = fetchRoots(t, client, fmt.Sprintf("https://127.0.0.1:%d/roots/0", ports[1]))
	return p
}

// freePorts returns n loopback ports that were free a moment ago; pebble
// needs its ports in the configuration file.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = ln.Addr().(*net.TCPAddr).Port
		defer ln.Close()
	}
	return ports
}

func writePebbleConfig(t testing.TB, pki PKI, ports []int) string {
	t.Helper()
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress":                  fmt.Sprintf("127.0.0.1:%d", ports[0]),
		"managementListenAddress":        fmt.Sprintf("127.0.0.1:%d", ports[1]),
		"certificate":                    pki.CertFile,
		"privateKey":                     pki.KeyFile,
		"httpPort":                       ports[2],
		"tlsPort":                        ports[2],
		"ocspResponderURL":               "",
		"externalAccountBindingRequired": false,
	}}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pebble.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func waitFor(t testing.TB, client *http.Client, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pebble directory %s not ready within 30s: %v", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func fetchRoots(t testing.TB, client *http.Client, url string) *x509.CertPool {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("fetch pebble root: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read pebble root: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Fatalf("pebble root: got %q, want a PEM certificate", data)
	}
	return pool
}

// logWriter sends a process's output to the test log.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
