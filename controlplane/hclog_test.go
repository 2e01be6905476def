package controlplane

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestHclogAdapter(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug - 4}))
	a := newHclogAdapter(logger, "raft")

	tests := []struct {
		name  string
		log   func()
		want  string // substring of the output; empty means no output
		level string
	}{
		{"debug dropped at info", func() { a.Debug("heartbeat sent") }, "", ""},
		{"info with snake_case keys", func() { a.Info("entering leader state", "last-index", 7) }, `msg="entering leader state" subsystem=raft last_index=7`, "INFO"},
		{"named and implied args", func() { a.Named("net").With("peer id", "n2").Warn("slow") }, `subsystem=raft.net peer_id=n2`, "WARN"},
		{"error level", func() { a.Error("failed", "error", "boom") }, `error=boom`, "ERROR"},
		{"standard logger", func() { a.StandardLogger(nil).Print("from std") }, `msg="from std" subsystem=raft`, "INFO"},
		{"first election at info", func() {
			a.Warn(electionTimeoutMessage, "last-leader-addr", "", "last-leader-id", "")
		}, `msg="heartbeat timeout reached, starting election"`, "INFO"},
		{"election after a leader at warn", func() {
			a.Warn(electionTimeoutMessage, "last-leader-addr", "127.0.0.1:9300", "last-leader-id", "n1")
		}, `last_leader_addr=127.0.0.1:9300`, "WARN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf.Reset()
			tt.log()
			out := buf.String()
			if tt.want == "" {
				if out != "" {
					t.Errorf("output: got %q, want none", out)
				}
				return
			}
			if !strings.Contains(out, tt.want) || !strings.Contains(out, "level="+tt.level) {
				t.Errorf("output: got %q, want level %s and %q", out, tt.level, tt.want)
			}
		})
	}
}

func TestHclogAdapter_SetLevel(t *testing.T) {
	var buf bytes.Buffer
	a := newHclogAdapter(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), "raft")
	child := a.Named("net")

	a.SetLevel(hclog.Debug)
	child.Debug("now visible")

	if !child.IsDebug() || !strings.Contains(buf.String(), "now visible") {
		t.Errorf("child after SetLevel(Debug): got IsDebug %v and output %q, want debug output", child.IsDebug(), buf.String())
	}
}

func TestHclogAdapter_FormatsFmtValues(t *testing.T) {
	var buf bytes.Buffer
	a := newHclogAdapter(slog.New(slog.NewTextHandler(&buf, nil)), "raft")
	a.Info("initial configuration", "servers", hclog.Fmt("%+v", []string{"n1", "n2"}))
	if got := buf.String(); !strings.Contains(got, `servers="[n1 n2]"`) {
		t.Errorf("output = %q, want servers=\"[n1 n2]\"", got)
	}
}
