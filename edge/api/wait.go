package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mayfly-mail/mayfly/edge/inbox"
)

// maxWait is the longest a listing may be held open for new mail. An edge
// that forwards the request to the inbox's owner waits up to 75 s for the
// reply (ownerReplyTimeout in package edge), so the two must move together.
const maxWait = 60 * time.Second

// messageQuery holds the query parameters of GET /inbox/messages.
type messageQuery struct {
	// after keeps only messages stored after the message with this id.
	after   string
	from    string
	subject string
	wait    time.Duration
}

// parseMessageQuery reads the query parameters. It returns an error whose
// text is fit for the client when wait is not a duration from 0 to maxWait.
func parseMessageQuery(values url.Values) (messageQuery, error) {
	q := messageQuery{
		after:   values.Get("after"),
		from:    strings.ToLower(values.Get("from")),
		subject: strings.ToLower(values.Get("subject")),
	}
	if err := checkAfter(q.after); err != nil {
		return q, err
	}
	raw := values.Get("wait")
	if raw == "" {
		return q, nil
	}
	wait, err := time.ParseDuration(raw)
	if err != nil || wait < 0 || wait > maxWait {
		return q, fmt.Errorf("invalid wait %q: want a duration from 0s to %.0fs, such as 30s", raw, maxWait.Seconds())
	}
	q.wait = wait
	return q, nil
}

// checkAfter rejects an after value that cannot be a message id. A
// well-formed id of a message no longer in the inbox is valid: its text
// still orders it among the others.
func checkAfter(after string) error {
	if after != "" && !inbox.ValidMessageID(after) {
		return fmt.Errorf("invalid after %q: want the id of a message from the listing", after)
	}
	return nil
}

// filter returns the messages that pass the filters, in their order.
func (q messageQuery) filter(msgs []inbox.MessageSummary) []inbox.MessageSummary {
	after := cursorAt(msgs, q.after)
	out := msgs[:0:0]
	for _, m := range msgs {
		if after.precedes(m) &&
			strings.Contains(strings.ToLower(m.From), q.from) &&
			strings.Contains(strings.ToLower(m.Subject), q.subject) {
			out = append(out, m)
		}
	}
	return out
}

// cursor marks a place in an inbox's arrival order: the messages stored
// after the message it names. The zero cursor precedes every message.
type cursor struct {
	id  string
	seq uint64
}

// cursorAt returns the cursor of the message id in msgs. Message ids begin
// with the time a message started to arrive, and a large message may be
// stored after a small one with a later id, so a cursor compares commit
// sequences when it can. For an id no longer in the inbox it compares ids.
func cursorAt(msgs []inbox.MessageSummary, id string) cursor {
	for _, m := range msgs {
		if m.ID == id {
			return cursorOf(m)
		}
	}
	return cursor{id: id}
}

func cursorOf(m inbox.MessageSummary) cursor { return cursor{id: m.ID, seq: m.Seq} }

// precedes reports whether m was stored after the cursor's message.
func (c cursor) precedes(m inbox.MessageSummary) bool {
	if c.seq > 0 && m.Seq > 0 {
		return m.Seq > c.seq
	}
	return m.ID > c.id
}

// waitForMessages lists the inbox until a message passes the filters, the
// wait ends, the API stops or the client goes away. Delivery wakes it, so
// a message is returned as soon as it is stored. An empty result with a
// nil error means the wait ended without a match.
func waitForMessages(ctx context.Context, stop <-chan struct{}, access *inbox.Access, q messageQuery) ([]inbox.MessageSummary, error) {
	changed, unwatch := access.Watch()
	defer unwatch()
	timer := time.NewTimer(q.wait)
	defer timer.Stop()

	for {
		msgs, err := access.Messages(ctx)
		if err != nil {
			return nil, err
		}
		if found := q.filter(msgs); len(found) > 0 || q.wait == 0 {
			return found, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for messages: %w", ctx.Err())
		case <-timer.C:
			return nil, nil
		case <-stop:
			return nil, nil
		case <-changed:
		}
	}
}

// writeQueryError replies 400 to an invalid query.
func writeQueryError(w http.ResponseWriter, err error) {
	writeError(w, http.StatusBadRequest, "invalid_query", err.Error())
}
