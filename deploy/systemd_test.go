package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// verifyUnit runs `systemd-analyze verify` on a copy of the unit whose
// ExecStart names the binary at bin, because verify checks that the
// program exists. It returns the combined output and the error.
func verifyUnit(t *testing.T, unit []byte, name, bin string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	text := strings.ReplaceAll(string(unit), "/usr/local/bin/mayfly", bin)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestSystemd_UnitsVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("SKIP: systemd-analyze is missing (Debian package systemd), so the units cannot be verified")
	}
	bin := filepath.Join(buildBinaries(t), "mayfly")

	for _, name := range []string{"mayfly-control.service", "mayfly-edge.service"} {
		t.Run(name, func(t *testing.T) {
			unit, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "systemd", name))
			if err != nil {
				t.Fatal(err)
			}
			out, err := verifyUnit(t, unit, name, bin)
			if err != nil || out != "" {
				t.Errorf("systemd-analyze verify %s: got error %v and output %q, want neither", name, err, out)
			}
			for _, want := range []string{"NoNewPrivileges=yes", "ProtectSystem=strict", "DynamicUser=yes",
				"CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "AmbientCapabilities=CAP_NET_BIND_SERVICE", "StateDirectory="} {
				if !strings.Contains(string(unit), want) {
					t.Errorf("%s lacks %s", name, want)
				}
			}
		})
	}
}

// TestSystemd_VerifyCatchesBadValue shows that the check above can fail:
// verify reports a value it cannot parse, even though it exits 0.
func TestSystemd_VerifyCatchesBadValue(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("SKIP: systemd-analyze is missing (Debian package systemd), so the units cannot be verified")
	}
	unit, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "systemd", "mayfly-edge.service"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(unit), "NoNewPrivileges=yes", "NoNewPrivileges=perhaps", 1)
	out, _ := verifyUnit(t, []byte(bad), "mayfly-edge.service", "/bin/true")
	if !strings.Contains(out, "perhaps") {
		t.Errorf("systemd-analyze verify on a bad value: got %q, want a complaint about it", out)
	}
}
