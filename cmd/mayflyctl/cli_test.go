package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

// binaries builds mayfly and mayflyctl once per test binary run.
type binaries struct{ mayfly, mayflyctl string }

func buildBinaries(t *testing.T) binaries {
	t.Helper()
	dir := t.TempDir()
	b := binaries{mayfly: filepath.Join(dir, "mayfly"), mayflyctl: filepath.Join(dir, "mayflyctl")}
	for path, pkg := range map[string]string{b.mayfly: "../mayfly", b.mayflyctl: "."} {
		out, err := exec.Command("go", "build", "-o", path, pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return b
}

// devProcess is `mayfly dev` running as a child process.
type devProcess struct {
	cmd     *exec.Cmd
	edge    string
	smtp    string
	control string
	dataDir string
	token   string
	done    chan error
}

// startDevProcess runs `mayfly dev` on free ports, with extra arguments
// such as --config FILE, and reads the addresses it prints.
func startDevProcess(t *testing.T, bin binaries, extra ...string) *devProcess {
	t.Helper()
	args := append([]string{"dev",
		"--http-listen", "127.0.0.1:0", "--smtp-listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0",
		"--api-listen", "127.0.0.1:0", "--raft-listen", "127.0.0.1:0"}, extra...)
	cmd := exec.Command(bin.mayfly, args...)
	cmd.Env = append(os.Environ(), "MAYFLY_EDGE_INTERNAL_LISTEN=127.0.0.1:0", "MAYFLY_OPERATOR_TOKEN=")
	cmd.Stderr = &bytes.Buffer{}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devProcess{cmd: cmd, done: make(chan error, 1)}
	t.Cleanup(func() { p.stop(t) })

	lines := make(chan string)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			lines <- scanner.Text()
		}
		close(lines)
		p.done <- cmd.Wait()
	}()
	p.readSummary(t, lines)
	go func() {
		for range lines {
		}
	}()
	return p
}

func (p *devProcess) readSummary(t *testing.T, lines <-chan string) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("mayfly dev exited early:\n%s", p.cmd.Stderr)
			}
			p.parseLine(line)
			if strings.HasPrefix(line, "Press Ctrl-C") {
				return
			}
		case <-timeout:
			t.Fatalf("mayfly dev printed no summary within 60s:\n%s", p.cmd.Stderr)
		}
	}
}

func (p *devProcess) parseLine(line string) {
	fields := strings.Fields(line)
	last := func() string { return fields[len(fields)-1] }
	switch {
	case strings.HasPrefix(line, "  public API"):
		p.edge = last()
	case strings.HasPrefix(line, "  SMTP"):
		p.smtp = last()
	case strings.HasPrefix(line, "  control-plane API"):
		p.control = last()
	case strings.HasPrefix(line, "  data directory"):
		p.dataDir = fields[2]
	case strings.HasPrefix(line, "  export MAYFLY_TOKEN="):
		p.token = strings.TrimPrefix(strings.TrimSpace(line), "export MAYFLY_TOKEN=")
	}
}

// stop sends SIGINT, as Ctrl-C does, and waits for a clean exit.
func (p *devProcess) stop(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("mayfly dev exited with %v:\n%s", err, p.cmd.Stderr)
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("mayfly dev did not stop within 30s of SIGINT")
	}
}

// ctl runs mayflyctl against the dev process and returns its output and
// exit status.
func (p *devProcess) ctl(t *testing.T, bin binaries, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin.mayflyctl, append([]string{"--addr", p.control, "--edge", p.edge}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run mayflyctl %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

func (p *devProcess) ctlOK(t *testing.T, bin binaries, env []string, args ...string) string {
	t.Helper()
	out, errOut, code := p.ctl(t, bin, env, args...)
	if code != 0 {
		t.Fatalf("mayflyctl %v: exit %d\n%s", args, code, errOut)
	}
	return out
}

func decodeJSON[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

func TestCLI_DomainsAndInboxes(t *testing.T) {
	bin := buildBinaries(t)
	dev := startDevProcess(t, bin)
	operator := []string{"MAYFLY_TOKEN=" + dev.token}

	t.Run("domains", func(t *testing.T) {
		list := decodeJSON[[]state.Domain](t, dev.ctlOK(t, bin, operator, "domains", "list", "--output", "json"))
		if len(list) != 2 || list[0].Name != "mayfly-mail.test" || list[1].Name != "mayfly.test" {
			t.Fatalf("domains list = %+v, want the two seeded domains", list)
		}
		added := decodeJSON[[]state.Domain](t, dev.ctlOK(t, bin, operator, "domains", "add", "fresh.test", "spare.test", "--standby", "--output", "json"))
		if len(added) != 2 || added[0].Status != state.Standby {
			t.Errorf("domains add = %+v, want two standby domains", added)
		}
		retiring := decodeJSON[[]state.Domain](t, dev.ctlOK(t, bin, operator, "domains", "retire", "fresh.test", "--reason", "listed", "--output", "json"))
		if retiring[0].Status != state.Retiring || retiring[0].Reason != "listed" {
			t.Errorf("domains retire = %+v, want retiring with the reason", retiring[0])
		}
		retired := decodeJSON[[]state.Domain](t, dev.ctlOK(t, bin, operator, "domains", "retire", "fresh.test", "--now", "--reason", "listed", "--output", "json"))
		if retired[0].Status != state.Retired {
			t.Errorf("domains retire --now = %+v, want retired", retired[0])
		}
		table := dev.ctlOK(t, bin, operator, "domains", "list")
		if !strings.Contains(table, "NAME") || !strings.Contains(table, "spare.test") {
			t.Errorf("domains list table =\n%s\nwant a header and spare.test", table)
		}
	})

	t.Run("missing operator token", func(t *testing.T) {
		_, errOut, code := dev.ctl(t, bin, []string{"MAYFLY_TOKEN="}, "domains", "list")
		if code == 0 || !strings.Contains(errOut, "MAYFLY_TOKEN") {
			t.Errorf("without a token: exit %d, stderr %q; want an error naming MAYFLY_TOKEN", code, errOut)
		}
	})

	t.Run("inbox new, wait and read", func(t *testing.T) {
		created := decodeJSON[apitypes.Created](t, dev.ctlOK(t, bin, nil, "inbox", "new", "--output", "json"))
		if created.Token == "" || !strings.Contains(created.Address, "@") {
			t.Fatalf("inbox new = %+v, want an address and a token", created)
		}
		inboxEnv := []string{"MAYFLY_INBOX_TOKEN=" + created.Token}
		if err := sendTestMail(dev.smtp, created.Address, "Your code", "Your code is 123456"); err != nil {
			t.Fatal(err)
		}
		waited := decodeJSON[apitypes.Message](t, dev.ctlOK(t, bin, inboxEnv, "inbox", "wait", "--subject", "your CODE", "--timeout", "20s", "--output", "json"))
		if waited.Subject != "Your code" || !strings.Contains(waited.Text, "123456") {
			t.Errorf("inbox wait = %+v, want the message sent", waited)
		}
		text := dev.ctlOK(t, bin, inboxEnv, "inbox", "read")
		if !strings.Contains(text, "Subject: Your code") || !strings.Contains(text, "123456") {
			t.Errorf("inbox read =\n%s\nwant the subject and the body", text)
		}
		_, errOut, code := dev.ctl(t, bin, inboxEnv, "inbox", "wait", "--from", "nobody", "--timeout", "1s")
		if code != exitTimeout || !strings.Contains(errOut, "no matching message") {
			t.Errorf("inbox wait without a match: exit %d, stderr %q; want exit %d", code, errOut, exitTimeout)
		}
	})

	t.Run("inbox new prints the address alone", func(t *testing.T) {
		out := strings.TrimSpace(dev.ctlOK(t, bin, nil, "inbox", "new", "--prefix", "ci-run"))
		if !strings.HasPrefix(out, "ci-run.") || strings.Count(out, "\n") != 0 {
			t.Errorf("inbox new = %q, want one address starting with ci-run.", out)
		}
	})

	t.Run("edges drain and undo", func(t *testing.T) {
		testEdgeDrain(t, bin, dev)
	})

	t.Run("missing inbox token", func(t *testing.T) {
		_, errOut, code := dev.ctl(t, bin, []string{"MAYFLY_INBOX_TOKEN="}, "inbox", "read")
		if code == 0 || !strings.Contains(errOut, "MAYFLY_INBOX_TOKEN") {
			t.Errorf("without a token: exit %d, stderr %q", code, errOut)
		}
	})

	dev.stop(t)
	if _, err := os.Stat(dev.dataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary data directory %s still exists after exit (%v)", dev.dataDir, err)
	}
}

func sendTestMail(addr, to, subject, body string) error {
	msg := fmt.Sprintf("From: qa@sender.example.test\r\nTo: %s\r\nSubject: %s\r\n\r\n%s\r\n", to, subject, body)
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail("qa@sender.example.test", []string{to}, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}
