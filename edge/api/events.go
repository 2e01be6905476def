package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/inbox"
)

// DefaultMaxStreamsPerInbox bounds the event streams of one inbox: enough
// for a few browser tabs and a script, and few enough that one token
// cannot hold many of the edge's connections.
const DefaultMaxStreamsPerInbox = 4

const (
	// keepAliveInterval is how often an idle stream sends a comment, so
	// that proxies and load balancers do not close it as idle.
	keepAliveInterval = 15 * time.Second
	// reconnectDelay is the retry field sent to EventSource clients.
	reconnectDelay = 2 * time.Second
	// streamsRetryAfter is the Retry-After of a refused stream, in seconds.
	streamsRetryAfter = 5
)

// streamLimiter counts the open event streams of each inbox.
type streamLimiter struct {
	limit int
	mu    sync.Mutex
	open  map[string]int
}

func newStreamLimiter(limit int) *streamLimiter {
	return &streamLimiter{limit: limit, open: make(map[string]int)}
}

// acquire takes a stream slot of the inbox, or reports false when all are
// taken.
func (l *streamLimiter) acquire(inboxID string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[inboxID] >= l.limit {
		return false
	}
	l.open[inboxID]++
	return true
}

func (l *streamLimiter) release(inboxID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[inboxID]--; l.open[inboxID] <= 0 {
		delete(l.open, inboxID)
	}
}

// inboxEvents streams server-sent events: a "message" event, whose id is
// the message id, for every message stored after the stream's start, and
// an "expired" event when the inbox expires or is deleted, which ends the
// stream. A client that reconnects with Last-Event-ID, or with ?after=ID,
// first gets the messages stored after that message.
func (a *API) inboxEvents(w http.ResponseWriter, r *http.Request) {
	access := accessFrom(r)
	resume := r.Header.Get("Last-Event-ID")
	if resume == "" {
		resume = r.URL.Query().Get("after")
	}
	if err := checkAfter(resume); err != nil {
		writeQueryError(w, fmt.Errorf("invalid Last-Event-ID or after: %w", err))
		return
	}
	if !a.streams.acquire(access.ID()) {
		w.Header().Set("Retry-After", strconv.Itoa(streamsRetryAfter))
		writeError(w, http.StatusTooManyRequests, "too_many_streams",
			fmt.Sprintf("this inbox already has %d open event streams, the most allowed; close one or retry later", a.cfg.MaxStreamsPerInbox))
		return
	}
	defer a.streams.release(access.ID())

	// Watching starts before the first listing, so a message stored in
	// between wakes the loop rather than being missed.
	changed, unwatch := access.Watch()
	defer unwatch()
	msgs, err := access.Messages(r.Context())
	if err == nil {
		var info inbox.Info
		info, err = access.Info(r.Context())
		if err == nil {
			s := &eventStream{w: w, rc: http.NewResponseController(w), access: access, expiresAt: info.ExpiresAt}
			reason := "write failed"
			if s.start(resumePoint(resume, msgs)) == nil {
				reason = s.run(r.Context(), a.cfg.Stop, changed, msgs)
			}
			a.cfg.Logger.Debug("event stream ended", "reason", reason)
			return
		}
	}
	a.accessError(w, "open event stream", err)
}

// resumePoint returns the cursor after which a stream starts: the message
// id from Last-Event-ID or ?after=, else the newest message now.
func resumePoint(id string, msgs []inbox.MessageSummary) cursor {
	if id != "" {
		return cursorAt(msgs, id)
	}
	var newest cursor
	for _, m := range msgs {
		if c := cursorOf(m); newest.precedes(m) {
			newest = c
		}
	}
	return newest
}

// eventStream writes the events of one stream.
type eventStream struct {
	w         http.ResponseWriter
	rc        *http.ResponseController
	access    *inbox.Access
	after     cursor
	expiresAt time.Time
}

// start sends the reply header and the reconnection delay at once, so
// that the client knows the stream is open before the first event.
func (s *eventStream) start(after cursor) error {
	s.after = after
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	// Tells nginx and similar proxies not to buffer the stream.
	h.Set("X-Accel-Buffering", "no")
	s.w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprintf(s.w, "retry: %d\n\n", reconnectDelay.Milliseconds()); err != nil {
		return err
	}
	return s.rc.Flush()
}

// run sends events until the inbox ends, the client goes away or the API
// stops, and returns why it ended.
func (s *eventStream) run(ctx context.Context, stop <-chan struct{}, changed <-chan struct{}, msgs []inbox.MessageSummary) string {
	keepAlive := time.NewTicker(keepAliveInterval)
	defer keepAlive.Stop()
	expiry := time.NewTimer(time.Until(s.expiresAt))
	defer expiry.Stop()

	for {
		if err := s.sendNew(msgs); err != nil {
			return "write failed"
		}
		select {
		case <-ctx.Done():
			return "client gone"
		case <-stop:
			return "edge stopping"
		case <-keepAlive.C:
			if _, err := fmt.Fprint(s.w, ": keep-alive\n\n"); err != nil || s.rc.Flush() != nil {
				return "write failed"
			}
			msgs = nil
			continue
		case <-expiry.C:
		case <-changed:
		}

		// A change or the expiry time: list again. An extension moves the
		// expiry; expiry or deletion ends the stream.
		var err error
		msgs, err = s.access.Messages(ctx)
		if err == nil {
			var info inbox.Info
			if info, err = s.access.Info(ctx); err == nil {
				s.expiresAt = info.ExpiresAt
				expiry.Reset(time.Until(s.expiresAt))
			}
		}
		switch {
		case errors.Is(err, inbox.ErrUnauthorized):
			_ = s.send("", apitypes.EventExpired, s.endEvent(time.Now()))
			return "inbox ended"
		case err != nil:
			return "inbox read failed"
		}
	}
}

// endEvent returns the expired event of an inbox that is gone at now: it
// expired when its expiry has passed, and was deleted before that.
func (s *eventStream) endEvent(now time.Time) apitypes.ExpiredEvent {
	if now.Before(s.expiresAt) {
		return apitypes.ExpiredEvent{ExpiresAt: now.UTC(), Reason: apitypes.EndDeleted}
	}
	return apitypes.ExpiredEvent{ExpiresAt: s.expiresAt, Reason: apitypes.EndExpired}
}

// sendNew sends the messages stored after the cursor, oldest first, and
// moves the cursor past them.
func (s *eventStream) sendNew(msgs []inbox.MessageSummary) error {
	var fresh []inbox.MessageSummary
	for _, m := range msgs {
		if s.after.precedes(m) {
			fresh = append(fresh, m)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	slices.SortFunc(fresh, func(x, y inbox.MessageSummary) int {
		if cursorOf(x).precedes(y) {
			return -1
		}
		return 1
	})
	for _, m := range fresh {
		if err := s.send(m.ID, apitypes.EventMessage, summaryJSON(m)); err != nil {
			return err
		}
		s.after = cursorOf(m)
	}
	return nil
}

// send writes one event and flushes it to the client.
func (s *eventStream) send(id, event string, data any) error {
	body, err := json.Marshal(data)
	if err != nil {
		return err
	}
	if id != "" {
		fmt.Fprintf(s.w, "id: %s\n", id)
	}
	if _, err := fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", event, body); err != nil {
		return err
	}
	return s.rc.Flush()
}
