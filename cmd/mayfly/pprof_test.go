package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// The profiler serves Go's profiles on the address it is given and logs
// where it listens.
func TestProfiler_ServesProfiles(t *testing.T) {
	var logs bytes.Buffer
	addr, err := startProfiler("127.0.0.1:0", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("start profiler: %v", err)
	}

	resp, err := http.Get("http://" + addr.String() + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatalf("GET heap profile: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET heap profile: status %d, want 200", resp.StatusCode)
	}
	if !strings.Contains(string(body), "heap profile") {
		t.Errorf("the heap profile does not look like one: %.200s", body)
	}
	if !strings.Contains(logs.String(), "profiler listening") {
		t.Errorf("no log line says where the profiler listens: %q", logs.String())
	}
	if strings.Contains(logs.String(), "non-loopback") {
		t.Errorf("a loopback address got the non-loopback warning: %q", logs.String())
	}
}

// An address that cannot be bound is an error that names the flag.
func TestProfiler_BadAddress(t *testing.T) {
	_, err := startProfiler("127.0.0.1:notaport", slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "--pprof-listen") {
		t.Errorf("err = %v, want one that names --pprof-listen", err)
	}
}

// Only the server commands take --pprof-listen.
func TestProfiler_FlagOnServerCommandsOnly(t *testing.T) {
	root := newRootCommand()
	for _, name := range []string{"dev", "edge", "control"} {
		cmd, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatalf("find %s: %v", name, err)
		}
		if cmd.Flags().Lookup("pprof-listen") == nil {
			t.Errorf("mayfly %s has no --pprof-listen", name)
		}
	}
	version, _, err := root.Find([]string{"version"})
	if err != nil {
		t.Fatalf("find version: %v", err)
	}
	if version.Flags().Lookup("pprof-listen") != nil {
		t.Errorf("mayfly version takes --pprof-listen, want only server commands")
	}
}
