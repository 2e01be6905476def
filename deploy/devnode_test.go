package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/smtp"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// devNode is `mayfly dev` run as its own process on a random 127.x.y.z
// address with the default ports, so that it clashes with no other
// server.
type devNode struct {
	host string
}

func startDevNode(t *testing.T) *devNode {
	t.Helper()
	bin := filepath.Join(buildBinaries(t), "mayfly")
	host := fmt.Sprintf("127.%d.%d.%d", 1+rand.IntN(250), rand.IntN(256), 1+rand.IntN(250))
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "dev", "--data-dir", t.TempDir(),
		"--http-listen", host+":8080", "--smtp-listen", host+":2525", "--dns-listen", host+":1053",
		"--api-listen", host+":9400", "--raft-listen", host+":9300")
	cmd.Env = []string{"MAYFLY_EDGE_INTERNAL_LISTEN=" + host + ":8081", "MAYFLY_OPERATOR_TOKEN=metrics-test-operator"}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start mayfly dev: %v", err)
	}
	go logLines(t, stderr)
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})

	n := &devNode{host: host}
	waitFor(t, time.Minute, "mayfly dev ready", func() bool {
		resp, err := http.Get(n.internalURL() + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return n
}

// logLines copies the node's log to the test log, so that a failure
// shows it.
func logLines(t *testing.T, r io.Reader) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		t.Log(s.Text())
	}
}

func (n *devNode) publicURL() string   { return "http://" + n.host + ":8080" }
func (n *devNode) internalURL() string { return "http://" + n.host + ":8081" }
func (n *devNode) controlURL() string  { return "http://" + n.host + ":9400" }

// createInbox creates an inbox through the public API.
func (n *devNode) createInbox(t *testing.T) (address, token string) {
	t.Helper()
	resp, err := http.Post(n.publicURL()+"/api/v1/inboxes", "application/json", strings.NewReader(`{"prefix": "metricscheck"}`))
	if err != nil {
		t.Fatalf("create inbox: %v", err)
	}
	defer resp.Body.Close()
	var created struct{ Address, Token string }
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&created) != nil {
		t.Fatalf("create inbox: got %s, want 201 with an address and a token", resp.Status)
	}
	return created.Address, created.Token
}

// smtpTransaction sends one message to each recipient, in one session,
// and returns the replies' errors in order: RCPT errors, then DATA's.
func (n *devNode) smtpTransaction(t *testing.T, rcpts ...string) []error {
	t.Helper()
	c, err := smtp.Dial(n.host + ":2525")
	if err != nil {
		t.Fatalf("dial smtp: %v", err)
	}
	defer c.Close()
	if err := c.Hello("metrics-test.localhost"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	if err := c.Mail("sender@example.org"); err != nil {
		t.Fatalf("MAIL: %v", err)
	}
	var errs []error
	accepted := 0
	for _, r := range rcpts {
		err := c.Rcpt(r)
		errs = append(errs, err)
		if err == nil {
			accepted++
		}
	}
	if accepted > 0 {
		w, err := c.Data()
		if err != nil {
			t.Fatalf("DATA: %v", err)
		}
		fmt.Fprintf(w, "From: sender@example.org\r\nSubject: metrics\r\n\r\n%s\r\n", strings.Repeat("body line\r\n", 200))
		errs = append(errs, w.Close())
	}
	_ = c.Quit()
	return errs
}

// get sends a GET with an optional bearer token and returns the status.
func get(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// scrape returns the text exposition at url.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %s, %v", url, resp.Status, err)
	}
	return string(b)
}

// seriesNames returns the metric names of an exposition, without the
// labels.
func seriesNames(exposition string) map[string]bool {
	names := map[string]bool{}
	for _, line := range strings.Split(exposition, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := line
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name = line[:i]
		}
		names[name] = true
	}
	return names
}

// queryMX asks the node's DNS for the MX of a pool domain, so that the
// DNS metrics have a query to count.
func (n *devNode) queryMX(t *testing.T, domain string) {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(domain), dns.TypeMX)
	if _, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, n.host+":1053"); err != nil {
		t.Fatalf("MX query: %v", err)
	}
}

// withTraffic starts a dev node and sends it the traffic every metric
// below counts: inboxes, accepted and rejected mail, API reads and a
// DNS query. It returns the node and what the test must find in no
// exposition.
func withTraffic(t *testing.T) (*devNode, []string) {
	t.Helper()
	n := startDevNode(t)
	address, token := n.createInbox(t)
	local, domain, _ := strings.Cut(address, "@")

	errs := n.smtpTransaction(t, address, "nobody."+local+"@"+domain, "someone@not-a-pool-domain.example")
	if errs[0] != nil || errs[1] == nil || errs[2] == nil || errs[3] != nil {
		t.Fatalf("SMTP replies: got %v, want the inbox accepted, both others rejected and DATA accepted", errs)
	}
	if got := get(t, n.publicURL()+"/api/v1/inbox/messages", token); got != http.StatusOK {
		t.Fatalf("list messages: got %d, want 200", got)
	}
	if got := get(t, n.publicURL()+"/api/v1/inbox", "not-a-token"); got != http.StatusUnauthorized {
		t.Fatalf("inbox with a bad token: got %d, want 401", got)
	}
	n.queryMX(t, domain)

	secrets := []string{address, local, token, n.host, "127.0.0.1", "metrics-test-operator"}
	return n, secrets
}
