package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestEdge_MissingSettingsRejected(t *testing.T) {
	tests := []struct {
		name    string
		cluster string
		args    []string
		want    string
	}{
		{"no cluster token", "", []string{"--data-dir", "/tmp/x"}, "MAYFLY_CLUSTER_TOKEN"},
		{"no data directory", "cluster-secret", nil, "--data-dir"},
		{"bad shutdown timeout", "cluster-secret", []string{"--data-dir", "/tmp/x", "--shutdown-timeout", "0s"}, "--shutdown-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MAYFLY_CLUSTER_TOKEN", tt.cluster)
			root := newRootCommand()
			root.SetArgs(append([]string{"edge"}, tt.args...))
			root.SetOut(&bytes.Buffer{})
			root.SetErr(&bytes.Buffer{})

			err := root.ExecuteContext(t.Context())

			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("mayfly edge: got error %v, want one naming %s", err, tt.want)
			}
		})
	}
}
