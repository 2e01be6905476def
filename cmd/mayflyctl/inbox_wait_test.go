package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

type ctlResult struct {
	stdout, stderr string
	code           int
	err            error
}

// ctlAsync runs mayflyctl in the background, so that mail can be sent
// while it waits.
func (p *devProcess) ctlAsync(bin binaries, env []string, args ...string) <-chan ctlResult {
	done := make(chan ctlResult, 1)
	go func() {
		cmd := exec.Command(bin.mayflyctl, append([]string{"--addr", p.control, "--edge", p.edge}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = nil
		}
		done <- ctlResult{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode(), err}
	}()
	return done
}

func receive(t *testing.T, done <-chan ctlResult) ctlResult {
	t.Helper()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("run mayflyctl: %v", r.err)
		}
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("mayflyctl did not finish within 30s")
	}
	return ctlResult{}
}

func TestCLIInboxWait_CodeAndLink(t *testing.T) {
	bin := buildBinaries(t)
	dev := startDevProcess(t, bin)
	created := decodeJSON[apitypes.Created](t, dev.ctlOK(t, bin, nil, "inbox", "new", "--output", "json"))
	env := []string{"MAYFLY_INBOX_TOKEN=" + created.Token}

	t.Run("code arrives during the wait", func(t *testing.T) {
		done := dev.ctlAsync(bin, env, "inbox", "wait", "--code", "--timeout", "20s")
		if err := sendTestMail(dev.smtp, created.Address, "News", "Our 2026 catalogue is out, call +49 30 1234567."); err != nil {
			t.Fatal(err)
		}
		if err := sendTestMail(dev.smtp, created.Address, "Sign in", "Your verification code is 482913. It expires in 10 minutes."); err != nil {
			t.Fatal(err)
		}
		r := receive(t, done)
		if r.code != 0 || r.stdout != "482913\n" {
			t.Errorf("got exit %d, stdout %q, stderr %q; want exit 0 and %q", r.code, r.stdout, r.stderr, "482913\n")
		}
	})

	t.Run("link", func(t *testing.T) {
		done := dev.ctlAsync(bin, env, "inbox", "wait", "--link", "--subject", "confirm", "--timeout", "20s")
		if err := sendTestMail(dev.smtp, created.Address, "Please confirm", "Docs: https://example.test/docs\r\nConfirm: https://example.test/confirm?t=Zx81."); err != nil {
			t.Fatal(err)
		}
		r := receive(t, done)
		if want := "https://example.test/confirm?t=Zx81\n"; r.code != 0 || r.stdout != want {
			t.Errorf("got exit %d, stdout %q, stderr %q; want exit 0 and %q", r.code, r.stdout, r.stderr, want)
		}
	})

	t.Run("no code before the timeout", func(t *testing.T) {
		r := receive(t, dev.ctlAsync(bin, env, "inbox", "wait", "--code", "--subject", "news", "--timeout", "2s"))
		if r.code != exitTimeout || !strings.Contains(r.stderr, "no matching message with a one-time code") {
			t.Errorf("got exit %d, stderr %q; want exit %d", r.code, r.stderr, exitTimeout)
		}
	})
}
