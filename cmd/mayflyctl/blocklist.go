package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

func newBlocklistCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "blocklist", Short: "Check domains against the configured blocklists"}
	cmd.AddCommand(blocklistCheck(g))
	return cmd
}

func blocklistCheck(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "check DOMAIN",
		Short: "Run every configured blocklist on a domain now and print the verdicts",
		Long: `Run every configured blocklist on a domain now, on the control-plane node
that answers, and print each list's verdict. The results are not recorded
and retire nothing; the leader's scheduled checks alone change the pool.
RETIRES is yes for a listing that the rotation policy retires a domain on.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			resp, err := c.CheckBlocklists(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd.OutOrStdout(), resp)
			}
			rows := make([][]string, 0, len(resp.Results))
			for _, r := range resp.Results {
				rows = append(rows, []string{r.List, r.Verdict, strings.Join(r.Categories, ","), yesNo(r.Retires), outcomeText(r.Evidence, r.Problem, r.Detail)})
			}
			return printTable(cmd.OutOrStdout(), []string{"LIST", "VERDICT", "CATEGORIES", "RETIRES", "EVIDENCE"}, rows)
		},
	}
}

func domainsPool(g *globals) *cobra.Command {
	var consistent bool
	cmd := &cobra.Command{
		Use:   "pool",
		Short: "Show each region's pool health: active, standby, retiring and retired domains",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			pool, err := c.Pool(cmd.Context(), readOptions(consistent)...)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd.OutOrStdout(), pool)
			}
			rows := make([][]string, 0, len(pool.Regions))
			for _, p := range pool.Regions {
				health := "ok"
				switch {
				case p.Active < p.MinActive:
					health = "below minimum"
				case p.StandbyEmpty:
					health = "standby empty"
				}
				rows = append(rows, []string{p.Region, fmt.Sprint(p.Active), fmt.Sprint(p.MinActive), fmt.Sprint(p.Standby),
					fmt.Sprint(p.Retiring), fmt.Sprint(p.Retired), health})
			}
			return printTable(cmd.OutOrStdout(), []string{"REGION", "ACTIVE", "MIN", "STANDBY", "RETIRING", "RETIRED", "HEALTH"}, rows)
		},
	}
	cmd.Flags().BoolVar(&consistent, "consistent", false, consistentUsage)
	return cmd
}

// printDomainChecks prints a domain, its latest verdict per list and its
// evidence history.
func (g *globals) printDomainChecks(cmd *cobra.Command, resp wire.DomainChecksResponse) error {
	w := cmd.OutOrStdout()
	if g.output == "json" {
		return printJSON(w, resp)
	}
	if err := g.printDomains(cmd, []state.Domain{resp.Domain}); err != nil {
		return err
	}
	d := resp.Domain
	fmt.Fprintf(w, "\nactivated %s, retiring since %s, useful life %s\n",
		timeOrDash(d.ActivatedAt), timeOrDash(d.RetiringAt), orDash(resp.UsefulLife))
	if len(resp.Checks.History) == 0 {
		fmt.Fprintln(w, "\nno blocklist evidence recorded")
		return nil
	}
	fmt.Fprintln(w, "\nevidence history, oldest first:")
	return printRecords(w, resp.Checks.History)
}

func printRecords(w io.Writer, records []state.CheckRecord) error {
	rows := make([][]string, 0, len(records))
	for _, r := range records {
		rows = append(rows, []string{r.CheckedAt.Format(time.RFC3339), r.List, r.Verdict, orDash(strings.Join(r.Categories, ",")),
			yesNo(r.Retired), outcomeText(r.Evidence, r.Problem, r.Detail)})
	}
	return printTable(w, []string{"CHECKED", "LIST", "VERDICT", "CATEGORIES", "RETIRED", "EVIDENCE"}, rows)
}

// outcomeText is the evidence of a verdict, or the problem of a check
// without one.
func outcomeText(evidence, problem, detail string) string {
	if problem != "" {
		return problem + ": " + detail
	}
	return orDash(evidence)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}
