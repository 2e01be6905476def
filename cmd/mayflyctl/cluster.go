package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/controlplane/fsm"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

func newClusterCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "cluster", Short: "Inspect and change the control-plane cluster"}
	snapshot := &cobra.Command{Use: "snapshot", Short: "Save, restore and inspect snapshots of the replicated state"}
	snapshot.AddCommand(snapshotSave(g), snapshotRestore(g), snapshotInspect(g))
	cmd.AddCommand(clusterStatus(g), clusterPeers(g), clusterJoin(g), clusterRemove(g), clusterTransfer(g), snapshot)
	return cmd
}

func clusterStatus(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the leader, term, indexes and every peer's progress",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			st, err := c.ClusterStatus(cmd.Context())
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd.OutOrStdout(), st)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "node       %s (%s)\n", st.NodeID, st.State)
			fmt.Fprintf(w, "leader     %s (%s)\n", st.LeaderID, st.Leader)
			fmt.Fprintf(w, "term       %d\n", st.Term)
			fmt.Fprintf(w, "last index %d\napplied    %d\n", st.LastIndex, st.AppliedIndex)
			if ap := st.Autopilot; ap != nil {
				fmt.Fprintf(w, "autopilot  healthy=%t, failure tolerance %d\n", ap.Healthy, ap.FailureTolerance)
			}
			fmt.Fprintln(w)
			return printPeers(w, st.Peers)
		},
	}
}

func clusterPeers(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "peers",
		Short: "List the members of the Raft configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			peers, err := c.Peers(cmd.Context())
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd.OutOrStdout(), peers)
			}
			return printPeers(cmd.OutOrStdout(), peers)
		},
	}
}

// printPeers writes one row per peer. TRAILING and LAST CONTACT show "-"
// for a peer that did not report its progress.
func printPeers(w io.Writer, peers []wire.Peer) error {
	rows := make([][]string, 0, len(peers))
	for _, p := range peers {
		suffrage := "voter"
		if !p.Voter {
			suffrage = "non-voter"
		}
		trailing, contact := "-", "-"
		if p.Reachable {
			trailing, contact = strconv.FormatUint(p.Trailing, 10), p.LastContact
		}
		rows = append(rows, []string{p.ID, p.Address, p.APIURL, suffrage, contact, trailing})
	}
	return printTable(w, []string{"ID", "RAFT ADDRESS", "API URL", "SUFFRAGE", "LAST CONTACT", "TRAILING"}, rows)
}

func clusterJoin(g *globals) *cobra.Command {
	var nonVoter bool
	cmd := &cobra.Command{
		Use:   "join ID RAFT_ADDR API_URL",
		Short: "Add a node to the cluster; it becomes a voter once stable, or stays a read replica with --non-voter",
		Long: `Add a node to the Raft configuration as a non-voter. Autopilot on the
leader promotes it to voter once it has been healthy for the stabilization
time (control.autopilot.server_stabilization_time). With --non-voter the node
is a read replica: it replicates the log and serves reads, but is never
promoted; a voter joined again with --non-voter is demoted.`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			req := wire.JoinRequest{ID: args[0], RaftAddr: args[1], APIURL: args[2], NonVoter: nonVoter}
			if err := c.Join(cmd.Context(), req); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is a member\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&nonVoter, "non-voter", false, "add as a read replica: it replicates the log and serves reads but never votes")
	return cmd
}

func clusterRemove(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a node from the cluster",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			if err := c.RemovePeer(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s removed\n", args[0])
			return nil
		},
	}
}

func clusterTransfer(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "transfer-leadership [ID]",
		Short: "Hand leadership to a voter, or to the most up-to-date one",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			if err := c.TransferLeadership(cmd.Context(), id); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "leadership transferred")
			return nil
		},
	}
}

func snapshotSave(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "save FILE",
		Short: "Write a consistent snapshot of the replicated state to FILE",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			data, err := c.Snapshot(cmd.Context())
			if err != nil {
				return err
			}
			if err := writeFileAtomic(args[0], data); err != nil {
				return err
			}
			info, err := fsm.InspectSnapshot(bytes.NewReader(data))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "saved snapshot at index %d to %s\n", info.Index, args[0])
			return nil
		},
	}
}

// writeFileAtomic writes data to a temporary file next to path, syncs it
// and renames it over path, so path holds either the old or the whole new
// content.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save snapshot: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save snapshot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	return nil
}

func snapshotRestore(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Replace the domains, edges and DNS settings of the running cluster with FILE's",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("restore snapshot: %w", err)
			}
			if _, err := fsm.InspectSnapshot(bytes.NewReader(data)); err != nil {
				return fmt.Errorf("restore snapshot %s: %w", args[0], err)
			}
			c, err := g.controlClient()
			if err != nil {
				return err
			}
			if err := c.RestoreSnapshot(cmd.Context(), data); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s\n", args[0])
			return nil
		},
	}
}

func snapshotInspect(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect FILE",
		Short: "Print a snapshot file's version, index and counts",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("inspect snapshot: %w", err)
			}
			defer f.Close()
			info, err := fsm.InspectSnapshot(f)
			if err != nil {
				return fmt.Errorf("inspect snapshot %s: %w", args[0], err)
			}
			if g.output == "json" {
				return printJSON(cmd.OutOrStdout(), info)
			}
			return printTable(cmd.OutOrStdout(), []string{"VERSION", "INDEX", "DOMAINS", "EDGES"},
				[][]string{{strconv.Itoa(info.Version), strconv.FormatUint(info.Index, 10), strconv.Itoa(info.Domains), strconv.Itoa(info.Edges)}})
		},
	}
}
