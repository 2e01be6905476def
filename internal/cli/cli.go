// Package cli holds what the mayfly and mayflyctl command trees share.
package cli

import "github.com/spf13/cobra"

// RejectUnknownSubcommands makes every command of the tree that only groups
// subcommands fail on an unknown one. Cobra prints such a group's help and
// exits 0 for `mayflyctl domains lst`, so a typo in a script would pass
// unnoticed. The group alone still prints its help.
func RejectUnknownSubcommands(root *cobra.Command) {
	for _, cmd := range root.Commands() {
		RejectUnknownSubcommands(cmd)
	}
	if !root.HasSubCommands() || root.Runnable() {
		return
	}
	root.Args = cobra.NoArgs
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		return cmd.Help()
	}
}
