package dnsserver

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// digReply is the part of dig's output that the tests check.
type digReply struct {
	output     string
	status     string
	flags      []string
	ednsSeen   bool
	ednsVer    int
	ednsUDP    int
	question   []string
	answer     []dns.RR
	authority  []dns.RR
	additional []dns.RR
	size       int
}

func (r digReply) hasFlag(flag string) bool {
	return slices.Contains(r.flags, flag)
}

// requireDig skips the test when dig is not installed.
func requireDig(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig not installed")
	}
	return path
}

// digArgs turns a dig line of a test data file into arguments for the
// server at addr. The server and port become addr's, and the last two
// arguments (type and name) become qtype and qname. A short timeout with
// one try is added.
func digArgs(t *testing.T, line string, addr net.Addr, qtype, qname string) []string {
	t.Helper()
	fields := strings.Fields(line)
	if len(fields) < 3 || fields[0] != "dig" {
		t.Fatalf("dig line %q: want dig followed by options, type and name", line)
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		t.Fatalf("split %s: %v", addr, err)
	}

	var args []string
	options := fields[1 : len(fields)-2]
	for i := 0; i < len(options); i++ {
		switch {
		case options[i] == "-p" && i+1 < len(options):
			args = append(args, "-p", port)
			i++
		case strings.HasPrefix(options[i], "@"):
			args = append(args, "@"+host)
		default:
			args = append(args, options[i])
		}
	}
	return append(args, "+time=2", "+tries=1", qtype, qname)
}

// runDig runs dig with args and parses its output.
func runDig(t *testing.T, args []string) digReply {
	t.Helper()
	path := requireDig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	reply := parseDig(t, string(out))
	t.Logf("dig %s\n%s", strings.Join(args, " "), out)
	return reply
}

var (
	digStatus = regexp.MustCompile(`status: (\w+)`)
	digFlags  = regexp.MustCompile(`^;; flags:([^;]*);`)
	digEDNS   = regexp.MustCompile(`^; EDNS: version: (\d+),.*udp: (\d+)`)
	digSize   = regexp.MustCompile(`^;; MSG SIZE\s+rcvd: (\d+)`)
)

// parseDig reads dig's default output format.
func parseDig(t *testing.T, output string) digReply {
	t.Helper()
	reply := digReply{output: output}
	var section *[]dns.RR
	inQuestion := false
	for _, line := range strings.Split(output, "\n") {
		switch {
		case strings.HasPrefix(line, ";; ->>HEADER<<-"):
			if m := digStatus.FindStringSubmatch(line); m != nil {
				reply.status = m[1]
			}
		case digFlags.MatchString(line):
			reply.flags = strings.Fields(digFlags.FindStringSubmatch(line)[1])
		case digEDNS.MatchString(line):
			m := digEDNS.FindStringSubmatch(line)
			reply.ednsSeen = true
			reply.ednsVer, _ = strconv.Atoi(m[1])
			reply.ednsUDP, _ = strconv.Atoi(m[2])
		case digSize.MatchString(line):
			reply.size, _ = strconv.Atoi(digSize.FindStringSubmatch(line)[1])
		case line == ";; QUESTION SECTION:":
			section, inQuestion = nil, true
		case line == ";; ANSWER SECTION:":
			section, inQuestion = &reply.answer, false
		case line == ";; AUTHORITY SECTION:":
			section, inQuestion = &reply.authority, false
		case line == ";; ADDITIONAL SECTION:":
			section, inQuestion = &reply.additional, false
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, ";;"):
			section, inQuestion = nil, false
		case inQuestion:
			reply.question = append(reply.question, strings.Join(strings.Fields(strings.TrimPrefix(line, ";")), " "))
		case section != nil:
			rr, err := dns.NewRR(line)
			if err != nil {
				t.Fatalf("parse dig record %q: %v", line, err)
			}
			*section = append(*section, rr)
		}
	}
	if reply.status == "" {
		t.Fatalf("dig output has no status line:\n%s", output)
	}
	return reply
}
