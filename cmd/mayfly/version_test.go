package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildInfo_LinkerValuesWinOverVCS(t *testing.T) {
	b := buildInfo{Version: "v1.4.0", Commit: "0123abc", BuildDate: "2026-12-04T10:00:00Z"}
	b.fillFrom(&debug.BuildInfo{Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "ffff"},
		{Key: "vcs.time", Value: "2026-01-01T00:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}})
	if b.Version != "v1.4.0" || b.Commit != "0123abc" || b.BuildDate != "2026-12-04T10:00:00Z" || b.Modified {
		t.Errorf("got %+v, want the -ldflags values unchanged and not modified", b)
	}
}

func TestBuildInfo_FallsBackToVCS(t *testing.T) {
	var b buildInfo
	b.fillFrom(&debug.BuildInfo{
		Main: debug.Module{Version: "v1.3.2"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "89ab"},
			{Key: "vcs.time", Value: "2026-11-30T08:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	})
	want := buildInfo{Version: "v1.3.2", Commit: "89ab", BuildDate: "2026-11-30T08:00:00Z (commit time)", Modified: true}
	if b != want {
		t.Errorf("got %+v, want %+v", b, want)
	}
}

func TestVersion_PrintsCommitAndBuildDate(t *testing.T) {
	var out bytes.Buffer
	buildInfo{Version: "v1.4.0", Commit: "0123abc", Modified: true, BuildDate: "2026-12-04T10:00:00Z", GoVersion: "go1.26.8"}.write(&out)
	for _, want := range []string{"mayfly v1.4.0\n", "commit      0123abc (with uncommitted changes)\n", "build date  2026-12-04T10:00:00Z\n", "go          go1.26.8\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("version output lacks %q:\n%s", want, out.String())
		}
	}
}
