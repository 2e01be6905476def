package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Build metadata, set at build time with
//
//	-ldflags "-X main.version=v1.2.0 -X main.commit=$(git rev-parse HEAD) -X main.buildDate=$(date -u +%FT%TZ)"
//
// deploy/docker/pack.sh and the Dockerfile set all three. A value left
// empty is taken from the VCS stamp that `go build` records inside a Git
// checkout, and shown as "unknown" without one.
var (
	version   = ""
	commit    = ""
	buildDate = ""
)

// buildInfo is what `mayfly version` prints.
type buildInfo struct {
	Version   string
	Commit    string
	Modified  bool
	BuildDate string
	GoVersion string
}

// currentBuild combines the -ldflags values with the build information
// the Go toolchain embeds.
func currentBuild() buildInfo {
	b := buildInfo{Version: version, Commit: commit, BuildDate: buildDate, GoVersion: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		b.fillFrom(info)
	}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.BuildDate == "" {
		b.BuildDate = "unknown"
	}
	return b
}

// fillFrom sets the fields still empty from the module version and the
// vcs.* settings of info.
func (b *buildInfo) fillFrom(info *debug.BuildInfo) {
	if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	vcsCommit, vcsTime := "", ""
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			vcsCommit = s.Value
		case "vcs.time":
			vcsTime = s.Value
		case "vcs.modified":
			b.Modified = b.Commit == "" && s.Value == "true"
		}
	}
	if b.Commit == "" {
		b.Commit = vcsCommit
	}
	if b.BuildDate == "" && vcsTime != "" {
		// A VCS stamp records the commit's time, not the build's.
		b.BuildDate = vcsTime + " (commit time)"
	}
}

func (b buildInfo) write(w io.Writer) {
	fmt.Fprintf(w, "mayfly %s\n", b.Version)
	commit := b.Commit
	if b.Modified {
		commit += " (with uncommitted changes)"
	}
	fmt.Fprintf(w, "  commit      %s\n", commit)
	fmt.Fprintf(w, "  build date  %s\n", b.BuildDate)
	fmt.Fprintf(w, "  go          %s\n", b.GoVersion)
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			currentBuild().write(cmd.OutOrStdout())
		},
	}
}
