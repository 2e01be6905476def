// Package apitypes defines the JSON bodies of the edge's public API under
// /api/v1, shared by the server (edge/api) and the Go client (edge/client).
package apitypes

import "time"

// Error is the body of every error reply.
type Error struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// Domains is the reply to GET /api/v1/domains.
type Domains struct {
	Domains []string `json:"domains"`
}

// CreateInbox is the optional body of POST /api/v1/inboxes.
type CreateInbox struct {
	// Prefix starts a custom local part; a random tag follows it.
	Prefix string `json:"prefix,omitempty"`
	// Domain is one of GET /api/v1/domains; empty means the edge chooses.
	Domain string `json:"domain,omitempty"`
	// TTL is a Go duration such as "10m" or "24h"; empty means the default.
	TTL string `json:"ttl,omitempty"`
}

// Created is the reply to POST /api/v1/inboxes.
type Created struct {
	Address   string    `json:"address"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Inbox is the reply to GET /api/v1/inbox.
type Inbox struct {
	Address      string    `json:"address"`
	CreatedAt    time.Time `json:"created_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	MessageCount int       `json:"message_count"`
}

// Extend is the body of POST /api/v1/inbox/extend.
type Extend struct {
	TTL string `json:"ttl"`
}

// Extended is the reply to POST /api/v1/inbox/extend.
type Extended struct {
	ExpiresAt time.Time `json:"expires_at"`
}

// MessageSummary is one entry of GET /api/v1/inbox/messages.
type MessageSummary struct {
	ID             string    `json:"id"`
	From           string    `json:"from"`
	Subject        string    `json:"subject"`
	ReceivedAt     time.Time `json:"received_at"`
	Size           int64     `json:"size"`
	HasAttachments bool      `json:"has_attachments"`
	Seen           bool      `json:"seen"`
}

// Messages is the reply to GET /api/v1/inbox/messages, newest first.
type Messages struct {
	Messages []MessageSummary `json:"messages"`
}

// The events of GET /api/v1/inbox/events, a text/event-stream. A "message"
// event carries a MessageSummary as its data and the message id as its
// event id; an "expired" event carries an ExpiredEvent and ends the stream.
const (
	EventMessage = "message"
	EventExpired = "expired"
)

// ExpiredEvent is the data of an "expired" event, sent when the inbox
// expires or is deleted.
type ExpiredEvent struct {
	// ExpiresAt is when the inbox ended: its expiry, or the time of its
	// deletion.
	ExpiresAt time.Time `json:"expires_at"`
	// Reason is EndExpired or EndDeleted.
	Reason string `json:"reason"`
}

// The reasons of an ExpiredEvent.
const (
	EndExpired = "expired"
	EndDeleted = "deleted"
)

// Attachment describes one attachment of a message.
type Attachment struct {
	Index       int    `json:"index"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	ContentID   string `json:"content_id,omitempty"`
	Inline      bool   `json:"inline"`
}

// MessageQuery holds the query parameters of GET /api/v1/inbox/messages.
// The zero value lists every message at once.
type MessageQuery struct {
	// After keeps only messages newer than the message with this id.
	After string
	// From and Subject keep only messages whose From or subject contains
	// them, ignoring case.
	From    string
	Subject string
	// Wait holds the request until a matching message arrives, for at
	// most this long (60s at most); 0 means reply at once.
	Wait time.Duration
}

// Code is a one-time code found in a message.
type Code struct {
	Value string `json:"value"`
}

// Link is an http or https link found in a message.
type Link struct {
	URL string `json:"url"`
	// Verification is true for a link that looks like it verifies an
	// address, activates an account, resets a password or signs in.
	Verification bool `json:"verification"`
	// Target is the URL that a click-tracking redirect leads to, empty for
	// a direct link.
	Target string `json:"target,omitempty"`
}

// Message is the reply to GET /api/v1/inbox/messages/{id}: the headers of
// interest, the text, the sanitized HTML, the attachment list, and the
// one-time codes and links found in the bodies when the message is read.
type Message struct {
	ID         string    `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Size       int64     `json:"size"`
	// EnvelopeFrom is the SMTP reverse-path, "" for bounces.
	EnvelopeFrom string `json:"envelope_from"`
	// Recipient is the address as the sender wrote it, +tag included.
	Recipient   string       `json:"recipient"`
	From        string       `json:"from"`
	To          string       `json:"to"`
	Cc          string       `json:"cc"`
	ReplyTo     string       `json:"reply_to"`
	Subject     string       `json:"subject"`
	Date        *time.Time   `json:"date"`
	MessageID   string       `json:"message_id"`
	Text        string       `json:"text"`
	HTML        string       `json:"html"`
	Attachments []Attachment `json:"attachments"`
	Codes       []Code       `json:"codes"`
	Links       []Link       `json:"links"`
}
