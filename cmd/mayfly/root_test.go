package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runMayfly(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestConfigPrint_MasksSecrets(t *testing.T) {
	t.Setenv("MAYFLY_OPERATOR_TOKEN", "operator-secret-value")
	t.Setenv("MAYFLY_EDGE_DEFAULT_TTL", "1h")
	out, err := runMayfly(t, "config", "print", "--data-dir", "/var/lib/mayfly")
	if err != nil {
		t.Fatalf("config print: %v", err)
	}
	for _, want := range []string{"default_ttl: 1h0m0s", "data_dir: /var/lib/mayfly", "smtp_listen: 127.0.0.1:2525", "operator_token: '********'"} {
		if !strings.Contains(out, want) {
			t.Errorf("config print lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "operator-secret-value") {
		t.Errorf("config print shows the secret:\n%s", out)
	}
}

func TestDev_InvalidConfigurationStopsStartUp(t *testing.T) {
	t.Setenv("MAYFLY_EDGE_MAX_TTL", "forever")
	_, err := runMayfly(t, "dev")
	if err == nil || !strings.Contains(err.Error(), "max_ttl") || !strings.Contains(err.Error(), "forever") {
		t.Fatalf("dev with an invalid max_ttl: error %v, want one naming the key and the value", err)
	}
}

func TestVersion(t *testing.T) {
	out, err := runMayfly(t, "version")
	if err != nil || !strings.HasPrefix(out, "mayfly ") {
		t.Errorf("version = %q, %v; want a line starting with mayfly", out, err)
	}
}
