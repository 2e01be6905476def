package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/client"
)

func TestClient_EveryRoute(t *testing.T) {
	edge := startExampleEdge()
	t.Cleanup(edge.close)
	ctx := context.Background()
	c := client.New(edge.url)

	if err := c.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	doc, err := c.OpenAPI(ctx)
	if err != nil || !json.Valid(doc) || !bytes.Contains(doc, []byte(`"openapi": "3.1`)) {
		t.Fatalf("OpenAPI: %d bytes, %v; want the OpenAPI 3.1 document", len(doc), err)
	}
	domains, err := c.Domains(ctx)
	if err != nil || len(domains) != 1 || domains[0] != "mayfly.test" {
		t.Fatalf("Domains: got %v, %v", domains, err)
	}

	created, err := c.CreateInbox(ctx, apitypes.CreateInbox{Prefix: "qa", TTL: "20m"})
	if err != nil {
		t.Fatalf("CreateInbox: %v", err)
	}
	if !strings.HasPrefix(created.Address, "qa") || created.Token == "" {
		t.Errorf("CreateInbox: got %+v, want a qa address and a token", created)
	}
	tok := created.Token

	info, err := c.Inbox(ctx, tok)
	if err != nil || info.Address != created.Address {
		t.Errorf("Inbox: got %+v, %v", info, err)
	}
	expires, err := c.Extend(ctx, tok, 30*time.Minute)
	if err != nil || !expires.After(created.ExpiresAt) {
		t.Errorf("Extend: got %s, %v; want after %s", expires, err, created.ExpiresAt)
	}

	edge.sendLater(created.Address, "Your code", "Your verification code is 2468.")
	msgs, err := c.Messages(ctx, tok)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Messages: got %d, %v", len(msgs), err)
	}
	id := msgs[0].ID
	msg, err := c.Message(ctx, tok, id)
	if err != nil || msg.Subject != "Your code" || len(msg.Codes) == 0 || msg.Codes[0].Value != "2468" {
		t.Errorf("Message: got subject %q codes %v, %v", msg.Subject, msg.Codes, err)
	}
	raw, err := c.Raw(ctx, tok, id)
	if err != nil || !bytes.Contains(raw, []byte("Subject: Your code")) {
		t.Errorf("Raw: got %q, %v", raw, err)
	}
	_, _, err = c.Attachment(ctx, tok, id, 0)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound || apiErr.Code != "attachment_not_found" {
		t.Errorf("Attachment of a message without one: got %v, want 404 attachment_not_found", err)
	}
	if err := c.DeleteMessage(ctx, tok, id); err != nil {
		t.Errorf("DeleteMessage: %v", err)
	}
	if _, err := c.Message(ctx, tok, id); !errors.As(err, &apiErr) || apiErr.Code != "message_not_found" {
		t.Errorf("Message after delete: got %v, want message_not_found", err)
	}

	if err := c.DeleteInbox(ctx, tok); err != nil {
		t.Fatalf("DeleteInbox: %v", err)
	}
	if _, err := c.Inbox(ctx, tok); !client.IsUnauthorized(err) {
		t.Errorf("Inbox after delete: got %v, want 401", err)
	}
}

func TestClient_ErrorCarriesCodeAndMessage(t *testing.T) {
	edge := startExampleEdge()
	t.Cleanup(edge.close)

	_, err := client.New(edge.url).CreateInbox(context.Background(), apitypes.CreateInbox{TTL: "forever"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v, want an *APIError", err)
	}
	if apiErr.Status != http.StatusBadRequest || apiErr.Code != "invalid_ttl" || !strings.Contains(apiErr.Message, "forever") {
		t.Errorf("got %+v, want 400 invalid_ttl naming the value", apiErr)
	}
}
