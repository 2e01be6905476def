package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/client"
)

// exitTimeout is the exit status of `inbox wait` when no message came.
const exitTimeout = 2

// pollInterval is how often `inbox wait` lists the inbox.
const pollInterval = 500 * time.Millisecond

func newInboxCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "inbox", Short: "Create an inbox and read its mail, for scripts"}
	cmd.AddCommand(inboxNew(g), inboxWait(g), inboxRead(g))
	return cmd
}

func inboxNew(g *globals) *cobra.Command {
	var req apitypes.CreateInbox
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Create an inbox and print its address (with --output json also the token and expiry)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			created, err := client.New(g.edge).CreateInbox(cmd.Context(), req)
			if err != nil {
				return err
			}
			if g.output == "json" {
				return printJSON(cmd.OutOrStdout(), created)
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), created.Address)
			return err
		},
	}
	cmd.Flags().StringVar(&req.Prefix, "prefix", "", "custom start of the local part; a random tag follows it")
	cmd.Flags().StringVar(&req.Domain, "domain", "", "domain of the address (default: chosen by the edge)")
	cmd.Flags().StringVar(&req.TTL, "ttl", "", "lifetime such as 10m or 24h (default: the edge's default)")
	return cmd
}

// waitFilter selects the message `inbox wait` waits for.
type waitFilter struct {
	from    string
	subject string
}

func (f waitFilter) matches(m apitypes.MessageSummary) bool {
	return containsFold(m.From, f.from) && containsFold(m.Subject, f.subject)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func inboxWait(g *globals) *cobra.Command {
	var filter waitFilter
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "wait",
		Short: "Wait until a matching message arrives and print it; exit status 2 on timeout",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token, err := g.inboxToken()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			msg, err := waitForMessage(ctx, client.New(g.edge), token, filter)
			if errors.Is(err, context.DeadlineExceeded) {
				return &exitError{code: exitTimeout, err: fmt.Errorf("no matching message within %s", timeout)}
			}
			if err != nil {
				return err
			}
			return g.printMessage(cmd, msg)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long to wait")
	cmd.Flags().StringVar(&filter.from, "from", "", "only a message whose From contains this text (case-insensitive)")
	cmd.Flags().StringVar(&filter.subject, "subject", "", "only a message whose subject contains this text (case-insensitive)")
	return cmd
}

// waitForMessage polls the inbox until a matching message is there.
func waitForMessage(ctx context.Context, c *client.Client, token string, f waitFilter) (apitypes.Message, error) {
	for {
		msgs, err := c.Messages(ctx, token)
		if err != nil {
			return apitypes.Message{}, err
		}
		for _, m := range msgs {
			if f.matches(m) {
				return c.Message(ctx, token, m.ID)
			}
		}
		select {
		case <-ctx.Done():
			return apitypes.Message{}, ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

func inboxRead(g *globals) *cobra.Command {
	var raw bool
	cmd := &cobra.Command{
		Use:   "read [ID]",
		Short: "Print a message, the newest when no ID is given",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			token, err := g.inboxToken()
			if err != nil {
				return err
			}
			c := client.New(g.edge)
			id, err := messageID(cmd.Context(), c, token, args)
			if err != nil {
				return err
			}
			if raw {
				b, err := c.Raw(cmd.Context(), token, id)
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			msg, err := c.Message(cmd.Context(), token, id)
			if err != nil {
				return err
			}
			return g.printMessage(cmd, msg)
		},
	}
	cmd.Flags().BoolVar(&raw, "raw", false, "print the message as received")
	return cmd
}

func messageID(ctx context.Context, c *client.Client, token string, args []string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	msgs, err := c.Messages(ctx, token)
	if err != nil {
		return "", err
	}
	if len(msgs) == 0 {
		return "", errors.New("the inbox has no messages")
	}
	return msgs[0].ID, nil
}

func (g *globals) printMessage(cmd *cobra.Command, m apitypes.Message) error {
	if g.output == "json" {
		return printJSON(cmd.OutOrStdout(), m)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "ID:      %s\nFrom:    %s\nTo:      %s\nSubject: %s\nDate:    %s\n", m.ID, m.From, m.To, m.Subject, m.ReceivedAt.Format(time.RFC3339))
	for _, a := range m.Attachments {
		fmt.Fprintf(w, "Attachment %d: %s (%s, %d bytes)\n", a.Index, a.Filename, a.ContentType, a.Size)
	}
	fmt.Fprintf(w, "\n%s\n", strings.TrimRight(m.Text, "\n"))
	return nil
}
