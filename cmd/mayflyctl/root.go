package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/internal/cli"
)

// globals are the flags every command shares.
type globals struct {
	addr   string
	token  string
	edge   string
	output string
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func newRootCommand() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "mayflyctl",
		Short:         "Operate a Mayfly cluster and script its inboxes",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if g.output != "table" && g.output != "json" {
				return fmt.Errorf("invalid --output %q: want table or json", g.output)
			}
			return nil
		},
	}
	flags := root.PersistentFlags()
	flags.StringVar(&g.addr, "addr", envOr("MAYFLY_ADDR", "http://127.0.0.1:9400"), "control-plane API URL (env MAYFLY_ADDR)")
	flags.StringVar(&g.token, "token", "", "operator token, or inbox token for inbox commands (env MAYFLY_TOKEN, MAYFLY_INBOX_TOKEN)")
	flags.StringVar(&g.edge, "edge", envOr("MAYFLY_EDGE", "http://127.0.0.1:8080"), "edge public API URL for inbox commands (env MAYFLY_EDGE)")
	flags.StringVarP(&g.output, "output", "o", "table", "output format: table or json")

	root.AddCommand(newDomainsCommand(g), newClusterCommand(g), newEdgesCommand(g), newInboxCommand(g), newDNSCommand(g), newBlocklistCommand(g))
	cli.RejectUnknownSubcommands(root)
	return root
}

// operatorToken returns --token or MAYFLY_TOKEN.
func (g *globals) operatorToken() (string, error) {
	if g.token != "" {
		return g.token, nil
	}
	if t := os.Getenv("MAYFLY_TOKEN"); t != "" {
		return t, nil
	}
	return "", fmt.Errorf("missing operator token: set --token or MAYFLY_TOKEN")
}

// inboxToken returns --token or MAYFLY_INBOX_TOKEN.
func (g *globals) inboxToken() (string, error) {
	if g.token != "" {
		return g.token, nil
	}
	if t := os.Getenv("MAYFLY_INBOX_TOKEN"); t != "" {
		return t, nil
	}
	return "", fmt.Errorf("missing inbox token: set --token or MAYFLY_INBOX_TOKEN")
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printTable writes rows under a header, aligned in columns.
func printTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	writeRow(tw, header)
	for _, row := range rows {
		writeRow(tw, row)
	}
	return tw.Flush()
}

func writeRow(w io.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(w, "\t")
		}
		fmt.Fprint(w, c)
	}
	fmt.Fprintln(w)
}
