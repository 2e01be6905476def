package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestControl_MissingSecretsRejected(t *testing.T) {
	tests := []struct {
		name     string
		operator string
		cluster  string
		want     string
	}{
		{"no operator token", "", "cluster-secret", "MAYFLY_OPERATOR_TOKEN"},
		{"no cluster token", "operator-secret", "", "MAYFLY_CLUSTER_TOKEN"},
		{"neither token", "", "", "MAYFLY_OPERATOR_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MAYFLY_OPERATOR_TOKEN", tt.operator)
			t.Setenv("MAYFLY_CLUSTER_TOKEN", tt.cluster)
			root := newRootCommand()
			root.SetArgs([]string{"control", "--data-dir", t.TempDir(), "--bootstrap",
				"--raft-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0", "--dns-listen", "127.0.0.1:0"})
			root.SetOut(&bytes.Buffer{})
			root.SetErr(&bytes.Buffer{})

			err := root.ExecuteContext(t.Context())

			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("mayfly control: got error %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestControl_BootstrapAndJoinTogetherRejected(t *testing.T) {
	t.Setenv("MAYFLY_OPERATOR_TOKEN", "operator-secret")
	t.Setenv("MAYFLY_CLUSTER_TOKEN", "cluster-secret")
	root := newRootCommand()
	root.SetArgs([]string{"control", "--data-dir", t.TempDir(), "--bootstrap", "--join", "127.0.0.1:1"})
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})

	err := root.ExecuteContext(t.Context())

	if err == nil || !strings.Contains(err.Error(), "--join") {
		t.Errorf("mayfly control: got error %v, want one naming --join", err)
	}
}

func TestControl_BootstrapReadReplicaRejected(t *testing.T) {
	t.Setenv("MAYFLY_OPERATOR_TOKEN", "operator-secret")
	t.Setenv("MAYFLY_CLUSTER_TOKEN", "cluster-secret")
	root := newRootCommand()
	root.SetArgs([]string{"control", "--data-dir", t.TempDir(), "--bootstrap", "--non-voter"})
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})

	err := root.ExecuteContext(t.Context())

	if err == nil || !strings.Contains(err.Error(), "--non-voter") {
		t.Errorf("mayfly control: got error %v, want one naming --non-voter", err)
	}
}

func TestControl_InvalidAutopilotSettingRejected(t *testing.T) {
	t.Setenv("MAYFLY_OPERATOR_TOKEN", "operator-secret")
	t.Setenv("MAYFLY_CLUSTER_TOKEN", "cluster-secret")
	t.Setenv("MAYFLY_CONTROL_AUTOPILOT_MIN_QUORUM", "0")
	root := newRootCommand()
	root.SetArgs([]string{"control", "--data-dir", t.TempDir(), "--bootstrap"})
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})

	err := root.ExecuteContext(t.Context())

	if err == nil || !strings.Contains(err.Error(), "control.autopilot.min_quorum") {
		t.Errorf("mayfly control: got error %v, want one naming control.autopilot.min_quorum", err)
	}
}
