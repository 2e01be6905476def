package client_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"time"

	"github.com/mayfly-mail/mayfly/edge/api"
	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/client"
	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/mime"
)

// A sign-up test: create an inbox, let the application send its mail, wait
// on the server for the verification mail, and read its one-time code.
func Example() {
	edge := startExampleEdge()
	defer edge.close()
	ctx := context.Background()
	c := client.New(edge.url)

	created, err := c.CreateInbox(ctx, apitypes.CreateInbox{TTL: "15m"})
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = c.DeleteInbox(context.Background(), created.Token) }()

	// The application under test sends its mail a moment later.
	go edge.sendLater(created.Address, "Please verify your address", "Your verification code is 731946.")

	msgs, err := c.QueryMessages(ctx, created.Token, apitypes.MessageQuery{Subject: "verify", Wait: 60 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	if len(msgs) == 0 {
		log.Fatal("no verification mail within 60s")
	}
	msg, err := c.Message(ctx, created.Token, msgs[0].ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(msg.Subject)
	fmt.Println(msg.Codes[0].Value)
	// Output:
	// Please verify your address
	// 731946
}

// Follow an inbox as mail arrives, and resume after a dropped connection
// without missing a message.
func ExampleClient_Events() {
	edge := startExampleEdge()
	defer edge.close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := client.New(edge.url)
	created, err := c.CreateInbox(ctx, apitypes.CreateInbox{})
	if err != nil {
		log.Fatal(err)
	}

	stream, err := c.Events(ctx, created.Token, "")
	if err != nil {
		log.Fatal(err)
	}
	go edge.sendLater(created.Address, "Welcome", "Hello.")
	ev, err := stream.Next()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ev.Type, ev.Message.Subject)

	// The connection drops; a message arrives meanwhile.
	lastSeen := stream.LastEventID()
	_ = stream.Close()
	edge.sendLater(created.Address, "Your receipt", "Thanks.")

	resumed, err := c.Events(ctx, created.Token, lastSeen)
	if err != nil {
		log.Fatal(err)
	}
	defer resumed.Close()
	ev, err = resumed.Next()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ev.Type, ev.Message.Subject)
	// Output:
	// message Welcome
	// message Your receipt
}

// exampleEdge is the public API over an inbox service in a temporary
// directory: the same handlers as a running edge, without SMTP.
type exampleEdge struct {
	url    string
	svc    *inbox.Service
	server *httptest.Server
	dir    string
}

func startExampleEdge() *exampleEdge {
	dir, err := os.MkdirTemp("", "mayfly-example")
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := inbox.Open(inbox.Config{DataDir: dir, OwnerCode: "k3", Logger: logger})
	if err != nil {
		log.Fatal(err)
	}
	handler := api.New(api.Config{OwnerCode: "k3", DefaultTTL: 10 * time.Minute, MaxTTL: time.Hour, Logger: logger},
		svc, exampleDomains{"mayfly.test"})
	server := httptest.NewServer(handler)
	return &exampleEdge{url: server.URL, svc: svc, server: server, dir: dir}
}

// sendLater stores a message for address after a short pause, as mail
// arriving over SMTP would be.
func (e *exampleEdge) sendLater(address, subject, body string) {
	time.Sleep(50 * time.Millisecond)
	raw := fmt.Appendf(nil, "From: App <app@example.test>\r\nTo: %s\r\nSubject: %s\r\n\r\n%s\r\n", address, subject, body)
	summary := mime.Summarize(raw)
	meta := inbox.MessageMeta{From: summary.From, Subject: summary.Subject, Date: summary.Date}
	env := inbox.Envelope{From: "app@example.test", Recipient: address}
	if _, err := e.svc.Deliver(context.Background(), address, env, meta, raw); err != nil {
		log.Fatal(err)
	}
}

func (e *exampleEdge) close() {
	e.server.Close()
	_ = e.svc.Close()
	_ = os.RemoveAll(e.dir)
}

type exampleDomains []string

func (d exampleDomains) ActiveDomains() []string { return d }

// Check that an edge is ready before a test run starts.
func ExampleClient_Ready() {
	edge := startExampleEdge()
	defer edge.close()

	if err := client.New(edge.url).Ready(context.Background()); err != nil {
		log.Fatalf("edge not ready: %v", err)
	}
	fmt.Println("ready")
	// Output: ready
}
