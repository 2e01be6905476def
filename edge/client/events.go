package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

// maxEventLine bounds one line of an event stream; the edge's events are
// far smaller.
const maxEventLine = 256 << 10

// Event is one server-sent event of an inbox.
type Event struct {
	// Type is apitypes.EventMessage or apitypes.EventExpired.
	Type string
	// ID is the message id of a message event. Passing the last one seen
	// to Events resumes the stream after it.
	ID string
	// Message is the data of a message event.
	Message apitypes.MessageSummary
	// Expired is the data of an expired event, the last of a stream.
	Expired apitypes.ExpiredEvent
}

// EventStream reads the events of one inbox. It is not safe for
// concurrent use.
type EventStream struct {
	body    io.ReadCloser
	lines   *bufio.Scanner
	lastID  string
	expired bool
}

// Events opens the event stream of the inbox. With lastEventID, the id of
// a message already seen, the stream starts with every message stored
// after it; with "", it starts with the next message to arrive. The stream
// ends when ctx is done, when Close is called or after the expired event.
func (c *Client) Events(ctx context.Context, token, lastEventID string) (*EventStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1/inbox/events", nil)
	if err != nil {
		return nil, fmt.Errorf("build events request: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := c.stream.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET /api/v1/inbox/events: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, replyError(resp)
	}
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 0, 4096), maxEventLine)
	return &EventStream{body: resp.Body, lines: lines, lastID: lastEventID}, nil
}

// Next returns the next event. After the expired event, and when the edge
// ends the stream, it returns io.EOF; a stream cut short is another error.
func (s *EventStream) Next() (Event, error) {
	if s.expired {
		return Event{}, io.EOF
	}
	var typ, id, data string
	var sawID bool
	for s.lines.Scan() {
		line := s.lines.Text()
		if line == "" {
			ev, ok, err := s.dispatch(typ, id, sawID, data)
			if ok || err != nil {
				return ev, err
			}
			typ, id, sawID, data = "", "", false, ""
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			// A comment, such as the keep-alive.
		case "event":
			typ = value
		case "data":
			if data != "" {
				data += "\n"
			}
			data += value
		case "id":
			id, sawID = value, true
		}
	}
	if err := s.lines.Err(); err != nil {
		return Event{}, fmt.Errorf("read event stream: %w", err)
	}
	return Event{}, io.EOF
}

// dispatch turns the fields of one event block into an Event. It reports
// false for blocks that carry no event this client knows, such as the
// opening retry field.
func (s *EventStream) dispatch(typ, id string, sawID bool, data string) (Event, bool, error) {
	if sawID {
		s.lastID = id
	}
	ev := Event{Type: typ, ID: s.lastID}
	switch typ {
	case apitypes.EventMessage:
		if err := json.Unmarshal([]byte(data), &ev.Message); err != nil {
			return Event{}, false, fmt.Errorf("decode message event: %w", err)
		}
	case apitypes.EventExpired:
		if err := json.Unmarshal([]byte(data), &ev.Expired); err != nil {
			return Event{}, false, fmt.Errorf("decode expired event: %w", err)
		}
		s.expired = true
	default:
		return Event{}, false, nil
	}
	return ev, true, nil
}

// LastEventID returns the id of the last message event read, to resume a
// broken stream from.
func (s *EventStream) LastEventID() string { return s.lastID }

// Close ends the stream.
func (s *EventStream) Close() error {
	err := s.body.Close()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
