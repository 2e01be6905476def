package main

import (
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/internal/cli"
	"github.com/spf13/pflag"

	"github.com/mayfly-mail/mayfly/config"
)

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "mayfly",
		Short:         "Mayfly, a self-hostable disposable-email service",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("config", "", "YAML configuration file")
	root.AddCommand(newDevCommand(), newControlCommand(), newEdgeCommand(), newConfigCommand(),
		newHealthcheckCommand(), newVersionCommand())
	cli.RejectUnknownSubcommands(root)
	return root
}

// commonFlags are the flags every server command takes, by configuration key.
var commonFlags = map[string]string{
	"node-id":  "node_id",
	"data-dir": "data_dir",
}

// addCommonFlags declares the flags of commonFlags on cmd.
func addCommonFlags(flags *pflag.FlagSet) {
	flags.String("node-id", "", "stable node id (default: the host name)")
	flags.String("data-dir", "", "directory for the node's state")
}

// loadConfig reads the configuration for cmd: its --config file, the
// environment, and the flags listed in keys.
func loadConfig(cmd *cobra.Command, keys map[string]string) (config.Config, error) {
	file, _ := cmd.Flags().GetString("config")
	return config.Load(config.Source{File: file, Flags: cmd.Flags(), FlagKeys: keys})
}

// newLogger builds the process logger from the log section.
func newLogger(w io.Writer, cfg config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func newConfigCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect the configuration"}
	print := &cobra.Command{
		Use:   "print",
		Short: "Print the effective configuration with secrets masked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd, commonFlags)
			if err != nil {
				return err
			}
			out, err := cfg.YAML()
			if err != nil {
				return err
			}
			_, err = io.WriteString(cmd.OutOrStdout(), out)
			return err
		},
	}
	addCommonFlags(print.Flags())
	cmd.AddCommand(print)
	return cmd
}
