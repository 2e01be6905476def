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

// maxServerWait is how long one request lets the edge hold the listing. The
// edge allows 60s per request, so the command stays below that and sends a
// new request when one ends empty.
const maxServerWait = 55 * time.Second

// waitMargin leaves time for the edge's empty reply to arrive before the
// command's own timeout cancels the request.
const waitMargin = 300 * time.Millisecond

func newInboxCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "inbox", Short: "Create an inbox and read its mail, for scripts"}
	cmd.AddCommand(inboxNew(g), inboxWait(g), inboxRead(g), inboxDelete(g))
	return cmd
}

func inboxNew(g *globals) *cobra.Command {
	var req apitypes.CreateInbox
	var export bool
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Create an inbox and print its address (with --output json also the token and expiry)",
		Long: `Create an inbox and print its address. With --output json the reply
also holds the token and the expiry. With --export the command prints
shell lines that set MAYFLY_INBOX_ADDRESS, MAYFLY_INBOX_TOKEN and
MAYFLY_INBOX_EXPIRES_AT, for: eval "$(mayflyctl inbox new --export)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			created, err := client.New(g.edge).CreateInbox(cmd.Context(), req)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case export:
				_, err = fmt.Fprintf(out, "export MAYFLY_INBOX_ADDRESS=%s\nexport MAYFLY_INBOX_TOKEN=%s\nexport MAYFLY_INBOX_EXPIRES_AT=%s\n",
					shellQuote(created.Address), shellQuote(created.Token), shellQuote(created.ExpiresAt.Format(time.RFC3339)))
			case g.output == "json":
				err = printJSON(out, created)
			default:
				_, err = fmt.Fprintln(out, created.Address)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&export, "export", false, "print export lines for a POSIX shell instead of the address")
	cmd.Flags().StringVar(&req.Prefix, "prefix", "", "custom start of the local part; a random tag follows it")
	cmd.Flags().StringVar(&req.Domain, "domain", "", "domain of the address (default: chosen by the edge)")
	cmd.Flags().StringVar(&req.TTL, "ttl", "", "lifetime such as 10m or 24h (default: the edge's default)")
	return cmd
}

// shellQuote quotes s for a POSIX shell. Addresses and tokens hold no
// quote, but an address's local part may hold characters such as & or $.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// waitOptions select the message `inbox wait` waits for and what it prints.
type waitOptions struct {
	query apitypes.MessageQuery
	// code and link print only the first one-time code or verification
	// link, and skip messages that have none.
	code bool
	link bool
}

// wanted names what a message must hold besides passing the filters.
func (o waitOptions) wanted() string {
	switch {
	case o.code:
		return " with a one-time code"
	case o.link:
		return " with a verification link"
	}
	return ""
}

// accepts reports whether m is the message to print.
func (o waitOptions) accepts(m apitypes.Message) bool {
	switch {
	case o.code:
		return len(m.Codes) > 0
	case o.link:
		_, ok := firstVerificationLink(m)
		return ok
	}
	return true
}

func firstVerificationLink(m apitypes.Message) (apitypes.Link, bool) {
	for _, l := range m.Links {
		if l.Verification {
			return l, true
		}
	}
	return apitypes.Link{}, false
}

func inboxWait(g *globals) *cobra.Command {
	var opts waitOptions
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
			msg, err := waitForMessage(ctx, client.New(g.edge), token, opts)
			if errors.Is(err, context.DeadlineExceeded) {
				return &exitError{code: exitTimeout, err: fmt.Errorf("no matching message%s within %s", opts.wanted(), timeout)}
			}
			if err != nil {
				return err
			}
			return g.printWaited(cmd, msg, opts)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long to wait")
	cmd.Flags().StringVar(&opts.query.From, "from", "", "only a message whose From contains this text (case-insensitive)")
	cmd.Flags().StringVar(&opts.query.Subject, "subject", "", "only a message whose subject contains this text (case-insensitive)")
	cmd.Flags().BoolVar(&opts.code, "code", false, "wait for a message with a one-time code and print only the first code")
	cmd.Flags().BoolVar(&opts.link, "link", false, "wait for a message with a verification link and print only the first such link")
	cmd.MarkFlagsMutuallyExclusive("code", "link")
	return cmd
}

// waitForMessage asks the edge to hold the listing until a message passes
// the filters, and repeats until one is accepted or ctx ends. Each round
// asks only for messages newer than those already looked at.
func waitForMessage(ctx context.Context, c *client.Client, token string, opts waitOptions) (apitypes.Message, error) {
	deadline, hasDeadline := ctx.Deadline()
	q := opts.query
	for {
		q.Wait = maxServerWait
		if hasDeadline {
			q.Wait = min(q.Wait, time.Until(deadline)-waitMargin).Truncate(time.Millisecond)
		}
		if q.Wait <= 0 {
			return apitypes.Message{}, context.DeadlineExceeded
		}
		msgs, err := c.QueryMessages(ctx, token, q)
		if err != nil {
			return apitypes.Message{}, err
		}
		msg, ok, err := firstAccepted(ctx, c, token, msgs, opts)
		if err != nil || ok {
			return msg, err
		}
		if len(msgs) > 0 {
			q.After = msgs[0].ID
		}
	}
}

// firstAccepted reads the listed messages, newest first, and returns the
// first that opts accepts.
func firstAccepted(ctx context.Context, c *client.Client, token string, msgs []apitypes.MessageSummary, opts waitOptions) (apitypes.Message, bool, error) {
	for _, m := range msgs {
		msg, err := c.Message(ctx, token, m.ID)
		if err != nil {
			return apitypes.Message{}, false, err
		}
		if opts.accepts(msg) {
			return msg, true, nil
		}
	}
	return apitypes.Message{}, false, nil
}

// printWaited prints the message, or with --code or --link only the code
// or link, as JSON with --output json.
func (g *globals) printWaited(cmd *cobra.Command, m apitypes.Message, opts waitOptions) error {
	var value any
	var text string
	switch {
	case opts.code:
		value, text = m.Codes[0], m.Codes[0].Value
	case opts.link:
		link, _ := firstVerificationLink(m)
		value, text = link, link.URL
	default:
		return g.printMessage(cmd, m)
	}
	if g.output == "json" {
		return printJSON(cmd.OutOrStdout(), value)
	}
	_, err := fmt.Fprintln(cmd.OutOrStdout(), text)
	return err
}

func inboxDelete(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete",
		Short: "Delete the inbox and all its mail now; its token stops working",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token, err := g.inboxToken()
			if err != nil {
				return err
			}
			return client.New(g.edge).DeleteInbox(cmd.Context(), token)
		},
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
