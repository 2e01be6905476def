package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

func newEdgesCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "edges", Short: "List and drain edge nodes"}
	cmd.AddCommand(edgesList(g), edgesDrain(g))
	return cmd
}

func edgesList(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the registered edges with their health and draining flag",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			edges, err := c.Edges(cmd.Context())
			if err != nil {
				return err
			}
			return g.printEdges(cmd, edges)
		},
	}
}

func edgesDrain(g *globals) *cobra.Command {
	var undo bool
	cmd := &cobra.Command{
		Use:   "drain ID",
		Short: "Drain an edge: no new inboxes and out of MX, while its inboxes keep working",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			e, err := c.DrainEdge(cmd.Context(), args[0], !undo)
			if err != nil {
				return err
			}
			return g.printEdges(cmd, []state.Edge{e})
		},
	}
	cmd.Flags().BoolVar(&undo, "undo", false, "stop draining the edge, so it creates inboxes and receives mail again")
	return cmd
}

func (g *globals) printEdges(cmd *cobra.Command, edges []state.Edge) error {
	if g.output == "json" {
		return printJSON(cmd.OutOrStdout(), edges)
	}
	rows := make([][]string, 0, len(edges))
	for _, e := range edges {
		rows = append(rows, []string{
			e.ID, e.Region, e.OwnerCode, e.MXHost, strings.Join(e.Addrs, ","),
			edgeStatus(e), e.LastHeartbeat.Format(time.RFC3339),
		})
	}
	return printTable(cmd.OutOrStdout(), []string{"ID", "REGION", "CODE", "MX HOST", "ADDRESSES", "STATUS", "LAST HEARTBEAT"}, rows)
}

// edgeStatus names why an edge is or is not in MX.
func edgeStatus(e state.Edge) string {
	switch {
	case e.Draining && !e.Healthy:
		return "draining,unhealthy"
	case e.Draining:
		return "draining"
	case !e.Healthy:
		return "unhealthy"
	}
	return "healthy"
}
