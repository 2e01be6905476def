package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func newTree() *cobra.Command {
	root := &cobra.Command{Use: "tool", SilenceUsage: true, SilenceErrors: true}
	group := &cobra.Command{Use: "domains", Short: "Manage domains"}
	group.AddCommand(&cobra.Command{Use: "list", RunE: func(*cobra.Command, []string) error { return nil }})
	root.AddCommand(group)
	RejectUnknownSubcommands(root)
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	return root
}

func TestRejectUnknownSubcommands_TypoFails(t *testing.T) {
	root := newTree()
	root.SetArgs([]string{"domains", "lst"})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), `unknown command "lst"`) {
		t.Fatalf("got %v, want an unknown command error naming lst", err)
	}
}

func TestRejectUnknownSubcommands_GroupAlonePrintsHelp(t *testing.T) {
	root := newTree()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"domains"})
	if err := root.Execute(); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	if !strings.Contains(out.String(), "list") {
		t.Errorf("help does not list the subcommands:\n%s", out.String())
	}
}

func TestRejectUnknownSubcommands_KnownSubcommandRuns(t *testing.T) {
	root := newTree()
	root.SetArgs([]string{"domains", "list"})
	if err := root.Execute(); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}
