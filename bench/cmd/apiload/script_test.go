package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAPIScript_RunsEveryOperation runs bench/api.sh as its README shows,
// briefly, so that the script cannot rot: it must build and start mayfly
// dev, print a row per operation and leave only its log behind.
func TestAPIScript_RunsEveryOperation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mayfly and runs it for a few seconds")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("bench/api.sh needs %s: %v", tool, err)
		}
	}
	dir := t.TempDir()

	out, err := runAPIScript(t, dir, "OPS=create,list,read", "CLIENTS=2", "DURATION=1s", "RATE=40")
	if err != nil {
		t.Fatalf("bench/api.sh: %v\n%s", err, out)
	}

	for _, op := range []string{"create", "list", "read"} {
		row := regexp.MustCompile(`(?m)^` + op + ` +2 +[1-9][0-9]* +[0-9]+ `)
		if !row.MatchString(out) {
			t.Errorf("no row for %s with 2 clients and some requests in:\n%s", op, out)
		}
	}
	if !strings.Contains(out, "open loop: 40 requests per second offered") {
		t.Errorf("output does not say the load was an open loop at 40 a second:\n%s", out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".log") {
			t.Errorf("BENCH_DIR keeps %s after the run, want only logs", e.Name())
		}
	}
}

// TestAPIScript_RejectsBadInput checks that bench/api.sh names the
// variable that is wrong before it builds or starts anything.
func TestAPIScript_RejectsBadInput(t *testing.T) {
	cases := map[string]string{
		"RATE=-5":         "invalid RATE=-5",
		"CLIENTS=0":       "invalid CLIENTS=0",
		"OPS=create,send": "invalid operation send",
	}
	for setting, want := range cases {
		t.Run(setting, func(t *testing.T) {
			dir := t.TempDir()
			out, err := runAPIScript(t, dir, setting)
			if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 {
				t.Errorf("exit: got %v, want status 2", err)
			}
			if !strings.Contains(out, want) {
				t.Errorf("output: got %q, want it to contain %q", out, want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("BENCH_DIR has %d entries, want none: nothing should start", len(entries))
			}
		})
	}
}

// runAPIScript runs bench/api.sh with its work directory in dir and
// returns its combined output. Its ports start at a random base between
// 24000 and 31900, below Linux's range of ephemeral ports, so that they
// meet neither the default base of the scripts nor the ports other tests
// get from the kernel.
func runAPIScript(t *testing.T, dir string, settings ...string) (string, error) {
	t.Helper()
	script, err := filepath.Abs("../../api.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(), settings...)
	cmd.Env = append(cmd.Env,
		"BENCH_DIR="+dir,
		fmt.Sprintf("BENCH_PORT_BASE=%d", 24000+100*rand.IntN(80)))
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err = cmd.Run()
	return out.String(), err
}
