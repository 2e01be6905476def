package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ciShellExample returns the shell block of docs/ci.md that follows the
// ci-shell-example marker.
func ciShellExample(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/ci.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, found := strings.Cut(string(doc), "<!-- ci-shell-example")
	if !found {
		t.Fatal("docs/ci.md has no ci-shell-example marker")
	}
	_, rest, found = strings.Cut(rest, "```sh\n")
	if !found {
		t.Fatal("docs/ci.md: no ```sh block after the ci-shell-example marker")
	}
	block, _, found := strings.Cut(rest, "```")
	if !found {
		t.Fatal("docs/ci.md: the shell example is not closed")
	}
	return block
}

// The CI guide's shell example runs as written against mayfly dev, with
// swaks standing in for the application that sends the sign-up mail.
func TestCIGuide_ShellExampleRuns(t *testing.T) {
	swaks, err := exec.LookPath("swaks")
	if err != nil {
		t.Skip("SKIP: swaks is not installed (Debian package swaks); .ci/run installs it")
	}
	bin := buildBinaries(t)
	dev := startDevProcess(t, bin)
	host, port, err := net.SplitHostPort(dev.smtp)
	if err != nil {
		t.Fatal(err)
	}

	app := `send_signup_mail() {
	` + swaks + ` --silent 2 --server ` + host + ` --port ` + port + ` --from app@example.test --to "$1" \
		--header 'Subject: Please verify your address' --body 'Your verification code is 731946.'
}
`
	script := filepath.Join(t.TempDir(), "ci.sh")
	if err := os.WriteFile(script, []byte(app+ciShellExample(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script)
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Dir(bin.mayflyctl)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"MAYFLY_EDGE="+dev.edge)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the shell example did not finish within 90s; stderr:\n%s", stderr.String())
	}

	if err != nil {
		t.Fatalf("the shell example failed: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if want := "verification code: 731946\n"; stdout.String() != want {
		t.Errorf("got stdout %q, want %q", stdout.String(), want)
	}
}
