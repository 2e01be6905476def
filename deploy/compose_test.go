package deploy

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const (
	composeOperatorToken = "compose-operator-token"
	composeClusterToken  = "compose-cluster-token"
	// composeLimit bounds each wait for the cluster: image start, Raft
	// elections and edge registration take seconds.
	composeLimit = 2 * time.Minute
	// readRetryWindow is how long a failed API read may keep failing: the
	// Retry-After of 30 seconds an edge sends with owner_unavailable.
	readRetryWindow = 30 * time.Second
)

// regions maps each region of deploy/compose to its pool domain and edges.
var regions = map[string]struct {
	domain string
	edges  []string
}{
	"eu": {"eu.mayfly.test", []string{"edge-eu-1", "edge-eu-2"}},
	"us": {"us.mayfly.test", []string{"edge-us-1", "edge-us-2"}},
}

// composeCluster is one run of deploy/compose/docker-compose.yml under a
// project name of its own, so that it touches nothing it did not create.
type composeCluster struct {
	t       *testing.T
	project string
	image   string
	file    string
}

func newComposeCluster(t *testing.T) *composeCluster {
	t.Helper()
	if os.Getenv("MAYFLY_DOCKER_TESTS") != "1" {
		t.Skip("SKIP: compose tests need a Docker engine; .ci/run sets MAYFLY_DOCKER_TESTS=1 when `docker info` succeeds")
	}
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Skip("SKIP: compose tests need docker-compose (Debian package docker-compose)")
	}
	suffix := randomSuffix()
	c := &composeCluster{
		t:       t,
		project: "mayflydeploy" + suffix,
		image:   "mayfly-deploy-" + suffix + ":test",
		file:    filepath.Join(repoRoot(t), "deploy", "compose", "docker-compose.yml"),
	}
	// pack.sh builds the binaries itself here, so that they carry the
	// commit and build date that `mayfly version` must show.
	run(t, nil, filepath.Join(repoRoot(t), "deploy", "docker", "pack.sh"), "-t", c.image)
	t.Cleanup(c.remove)
	return c
}

func (c *composeCluster) env(extra ...string) []string {
	return append([]string{
		"MAYFLY_OPERATOR_TOKEN=" + composeOperatorToken,
		"MAYFLY_CLUSTER_TOKEN=" + composeClusterToken,
		"MAYFLY_IMAGE=" + c.image,
	}, extra...)
}

func (c *composeCluster) compose(extraEnv []string, args ...string) string {
	c.t.Helper()
	return run(c.t, c.env(extraEnv...), "docker-compose", append([]string{"-f", c.file, "-p", c.project}, args...)...)
}

// remove takes down the project's containers, networks and volumes and
// the image, all named by this run.
func (c *composeCluster) remove() {
	if c.t.Failed() {
		cmd := exec.Command("docker-compose", "-f", c.file, "-p", c.project, "logs", "--tail", "30")
		cmd.Env = append(os.Environ(), c.env()...)
		out, _ := cmd.CombinedOutput()
		c.t.Logf("last logs:\n%s", out)
	}
	cmd := exec.Command("docker-compose", "-f", c.file, "-p", c.project, "down", "-v", "--remove-orphans", "-t", "5")
	cmd.Env = append(os.Environ(), c.env()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Logf("docker-compose down: %v: %s", err, out)
	}
	_ = exec.Command("docker", "rmi", "-f", c.image).Run()
}

// up founds the cluster the way deploy/compose/README.md does: cp1 once
// with MAYFLY_BOOTSTRAP=true, then everything.
func (c *composeCluster) up() {
	c.t.Helper()
	c.compose([]string{"MAYFLY_BOOTSTRAP=true"}, "up", "-d", "cp1")
	waitFor(c.t, composeLimit, "cp1 healthy", func() bool { return c.healthy("cp1") })
	c.compose(nil, "up", "-d")
	for _, svc := range []string{"cp1", "cp2", "cp3", "edge-eu-1", "edge-eu-2", "edge-us-1", "edge-us-2"} {
		waitFor(c.t, composeLimit, svc+" healthy", func() bool { return c.healthy(svc) })
	}
}

// containerID returns the id of a service's container, or "".
func (c *composeCluster) containerID(svc string) string {
	cmd := exec.Command("docker-compose", "-f", c.file, "-p", c.project, "ps", "-q", svc)
	cmd.Env = append(os.Environ(), c.env()...)
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func (c *composeCluster) healthy(svc string) bool {
	id := c.containerID(svc)
	if id == "" {
		return false
	}
	out, err := exec.Command("docker", "inspect", "-f", "{{.State.Health.Status}}", id).Output()
	return err == nil && strings.TrimSpace(string(out)) == "healthy"
}

// addr returns the loopback host:port that Docker publishes a service's
// port at now, or "" when it has none; it can change on a restart.
func (c *composeCluster) addr(svc, port string) string {
	id := c.containerID(svc)
	if id == "" {
		return ""
	}
	out, err := exec.Command("docker", "port", id, port).Output()
	if err != nil {
		return ""
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")[0]
}

// mx asks a control-plane node's DNS for the domain's MX hosts.
func (c *composeCluster) mx(node, domain string) []string {
	addr := c.addr(node, "1053/udp")
	if addr == "" {
		return nil
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(domain), dns.TypeMX)
	resp, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(m, addr)
	if err != nil || resp.Rcode != dns.RcodeSuccess {
		return nil
	}
	var hosts []string
	for _, rr := range resp.Answer {
		if mx, ok := rr.(*dns.MX); ok {
			hosts = append(hosts, mx.Mx)
		}
	}
	return hosts
}

type inbox struct {
	region  string
	address string
	token   string
}

// createInbox creates an inbox on the edge, retrying while the edge has
// no directory yet.
func (c *composeCluster) createInbox(region, edge string) inbox {
	c.t.Helper()
	var in inbox
	waitFor(c.t, composeLimit, "create an inbox on "+edge, func() bool {
		body := strings.NewReader(fmt.Sprintf(`{"domain": %q}`, regions[region].domain))
		resp, err := http.Post("http://"+c.addr(edge, "8080/tcp")+"/api/v1/inboxes", "application/json", body)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var created struct{ Address, Token string }
		if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&created) != nil {
			return false
		}
		in = inbox{region: region, address: created.Address, token: created.Token}
		return true
	})
	return in
}

// send delivers one message through the edge and reports whether the
// edge answered 250 at the end of DATA.
func (c *composeCluster) send(edge, to, subject string) error {
	addr := c.addr(edge, "2525/tcp")
	if addr == "" {
		return fmt.Errorf("%s publishes no SMTP port", edge)
	}
	client, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer client.Close()
	if err := client.Hello("deploy-test.localhost"); err != nil {
		return err
	}
	if err := client.Mail("sender@example.org"); err != nil {
		return err
	}
	if err := client.Rcpt(to); err != nil {
		return err
	}
	w, err := client.Data()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "From: sender@example.org\r\nTo: %s\r\nSubject: %s\r\n\r\ntrickle\r\n", to, subject)
	if err := w.Close(); err != nil {
		return err
	}
	return client.Quit()
}

// subjects lists the inbox's messages through the edge.
func (c *composeCluster) subjects(edge string, in inbox) ([]string, error) {
	req, _ := http.NewRequest(http.MethodGet, "http://"+c.addr(edge, "8080/tcp")+"/api/v1/inbox/messages", nil)
	req.Header.Set("Authorization", "Bearer "+in.token)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("%s: %s", resp.Status, b)
	}
	var list struct {
		Messages []struct{ Subject string } `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, err
	}
	var out []string
	for _, m := range list.Messages {
		out = append(out, m.Subject)
	}
	return out, nil
}

func TestCompose_RegionsDeliverAndSurviveRollingRestarts(t *testing.T) {
	c := newComposeCluster(t)
	c.up()

	out := run(t, nil, "docker", "run", "--rm", c.image, "version")
	if !strings.Contains(out, "commit") || strings.Contains(out, "commit      unknown") {
		t.Errorf("mayfly version in the image: got %q, want a commit set at build time", out)
	}

	// The control plane's DNS answers each region's MX with its edges.
	for _, node := range []string{"cp1", "cp2", "cp3"} {
		for region, r := range regions {
			want := []string{"mx1." + region + ".mayfly-ops.test.", "mx2." + region + ".mayfly-ops.test."}
			waitFor(t, composeLimit, node+" answers the MX of "+r.domain, func() bool {
				got := c.mx(node, r.domain)
				return len(got) == 2 && strings.Join(sorted(got), ",") == strings.Join(want, ",")
			})
		}
	}

	// An inbox in each region, created on its first edge, gets mail
	// through the other edge of the region and through an edge of the
	// other region, and is read through both.
	inboxes := map[string]inbox{}
	other := map[string]string{"eu": "us", "us": "eu"}
	for region, r := range regions {
		in := c.createInbox(region, r.edges[0])
		inboxes[region] = in
		away := regions[other[region]].edges[0]
		for _, via := range []string{r.edges[1], away} {
			if err := c.send(via, in.address, "hello "+region+" via "+via); err != nil {
				t.Fatalf("deliver to the %s inbox through %s: %v", region, via, err)
			}
		}
		for _, via := range []string{r.edges[1], away} {
			got, err := c.subjects(via, in)
			if err != nil || len(got) != 2 {
				t.Fatalf("read the %s inbox through %s: got %v, %v; want both messages", region, via, got, err)
			}
		}
	}

	tr := startTrickle(c, inboxes)
	for _, svc := range []string{"cp1", "cp2", "cp3", "edge-eu-1", "edge-eu-2", "edge-us-1", "edge-us-2"} {
		c.compose(nil, "restart", "-t", "30", svc)
		waitFor(t, composeLimit, svc+" healthy after its restart", func() bool { return c.healthy(svc) })
		t.Logf("%s restarted; %d messages accepted so far", svc, tr.acceptedCount())
	}
	tr.stop()

	tr.checkReads(t)
	tr.checkNoLoss(t, c, inboxes)
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
