package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/controlplane/client"
	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

func newDomainsCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "domains", Short: "List, add and retire pool domains"}
	cmd.AddCommand(domainsList(g), domainsShow(g), domainsAdd(g), domainsRetire(g), domainsPool(g))
	return cmd
}

func (g *globals) controlClient() (*client.Client, error) {
	token, err := g.operatorToken()
	if err != nil {
		return nil, err
	}
	return client.New([]string{g.addr}, token)
}

// readOptions turns --consistent into a client read option.
func readOptions(consistent bool) []client.ReadOption {
	if consistent {
		return []client.ReadOption{client.Consistent()}
	}
	return nil
}

const consistentUsage = "read through the leader after it confirms its leadership, instead of from the answering node's replica"

func domainsList(g *globals) *cobra.Command {
	var consistent bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every pool domain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			domains, err := c.Domains(cmd.Context(), readOptions(consistent)...)
			if err != nil {
				return err
			}
			return g.printDomains(cmd, domains)
		},
	}
	cmd.Flags().BoolVar(&consistent, "consistent", false, consistentUsage)
	return cmd
}

func domainsShow(g *globals) *cobra.Command {
	var consistent bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one pool domain with its blocklist evidence",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			resp, err := c.DomainChecks(cmd.Context(), args[0], readOptions(consistent)...)
			if err != nil {
				return err
			}
			return g.printDomainChecks(cmd, resp)
		},
	}
	cmd.Flags().BoolVar(&consistent, "consistent", false, consistentUsage)
	return cmd
}

func domainsAdd(g *globals) *cobra.Command {
	var req wire.AddDomainsRequest
	cmd := &cobra.Command{
		Use:   "add NAME...",
		Short: "Add domains to the pool, active unless --standby",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			req.Names = args
			added, err := c.AddDomains(cmd.Context(), req)
			if err != nil {
				return err
			}
			return g.printDomains(cmd, added)
		},
	}
	cmd.Flags().StringVar(&req.Region, "region", "local", "region whose edges receive the domains' mail")
	cmd.Flags().BoolVar(&req.Standby, "standby", false, "add as standby: verified but not yet served")
	return cmd
}

func domainsRetire(g *globals) *cobra.Command {
	var reason string
	var now bool
	cmd := &cobra.Command{
		Use:   "retire NAME",
		Short: "Retire a domain: no new addresses now, null MX once its inboxes can have expired",
		Long: `Retire a domain. It moves to retiring: edges hand out no new addresses on
it at once, while its MX stays so that mail still reaches the inboxes it
has. The leader retires it, with a null MX, when the retiring grace period
(control.blocklist.retiring_grace, by default the longest inbox lifetime)
has passed. --now retires it at once: mail to its live inboxes is then
refused.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			retire := c.StartRetiring
			if now {
				retire = c.RetireDomain
			}
			d, err := retire(cmd.Context(), args[0], reason)
			if err != nil {
				return err
			}
			return g.printDomains(cmd, []state.Domain{d})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "retired by operator", "why the domain is retired, kept with it")
	cmd.Flags().BoolVar(&now, "now", false, "retire at once, with a null MX, even though inboxes on the domain may still be live")
	return cmd
}

func (g *globals) printDomains(cmd *cobra.Command, domains []state.Domain) error {
	if g.output == "json" {
		return printJSON(cmd.OutOrStdout(), domains)
	}
	rows := make([][]string, 0, len(domains))
	for _, d := range domains {
		rows = append(rows, []string{d.Name, d.Region, string(d.Status), d.UpdatedAt.Format(time.RFC3339), d.Reason})
	}
	return printTable(cmd.OutOrStdout(), []string{"NAME", "REGION", "STATUS", "UPDATED", "REASON"}, rows)
}
