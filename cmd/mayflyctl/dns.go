package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newDNSCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "dns", Short: "Manage DNSSEC for the served zones"}
	cmd.AddCommand(dnsDS(g), dnsEnableDNSSEC(g))
	return cmd
}

func dnsDS(g *globals) *cobra.Command {
	var consistent bool
	cmd := &cobra.Command{
		Use:   "ds ZONE",
		Short: "Print the DS record to publish at the zone's registrar",
		Long: `Print the DS record (SHA-256 digest of the zone's key) that the parent of
ZONE must publish so that validating resolvers trust the zone's signatures.
ZONE is a pool domain or the operations zone. With --output json the reply
also carries the key tag and the DNSKEY record.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			ds, err := c.DS(cmd.Context(), args[0], readOptions(consistent)...)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd.OutOrStdout(), ds)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), ds.DS)
			return err
		},
	}
	cmd.Flags().BoolVar(&consistent, "consistent", false, consistentUsage)
	return cmd
}

func dnsEnableDNSSEC(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "enable-dnssec",
		Short: "Sign every zone, generating the cluster's key unless it has one",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			return c.EnableDNSSEC(cmd.Context())
		},
	}
}
