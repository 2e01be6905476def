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

// waitPollInterval is how often a held listing looks at the inbox again.
//
// TODO: a notification from delivery would return at once and save the
// polling. Until then a message shows up at most this late.
const waitPollInterval = 200 * time.Millisecond

// messageQuery holds the query parameters of GET /inbox/messages.
type messageQuery struct {
	// after keeps only messages with a larger id. Message ids start with
	// the receive time, so their text sorts by arrival.
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
	raw := values.Get("wait")
	if raw == "" {
		return q, nil
	}
	wait, err := time.ParseDuration(raw)
	if err != nil || wait < 0 || wait > maxWait {
		return q, fmt.Errorf("invalid wait %q: want a duration from 0s to %s, such as 30s", raw, maxWait)
	}
	q.wait = wait
	return q, nil
}

// matches reports whether a message passes the filters.
func (q messageQuery) matches(m inbox.MessageSummary) bool {
	return m.ID > q.after &&
		strings.Contains(strings.ToLower(m.From), q.from) &&
		strings.Contains(strings.ToLower(m.Subject), q.subject)
}

// filter returns the messages that pass the filters, in their order.
func (q messageQuery) filter(msgs []inbox.MessageSummary) []inbox.MessageSummary {
	out := msgs[:0:0]
	for _, m := range msgs {
		if q.matches(m) {
			out = append(out, m)
		}
	}
	return out
}

// waitForMessages lists the inbox until a message passes the filters, the
// wait ends or the client goes away. An empty result with a nil error
// means the wait ended without a match.
func waitForMessages(ctx context.Context, access *inbox.Access, q messageQuery) ([]inbox.MessageSummary, error) {
	timer := time.NewTimer(q.wait)
	defer timer.Stop()
	ticker := time.NewTicker(waitPollInterval)
	defer ticker.Stop()

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
		case <-ticker.C:
		}
	}
}

// writeQueryError replies 400 to an invalid query.
func writeQueryError(w http.ResponseWriter, err error) {
	writeError(w, http.StatusBadRequest, "invalid_query", err.Error())
}
