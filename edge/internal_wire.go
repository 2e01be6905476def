package edge

import "time"

// Paths and headers of the internal API between edges.
const (
	// clusterTokenHeader carries the cluster token on internal requests. It
	// is not Authorization, because a forwarded public request keeps the
	// user's inbox token there.
	clusterTokenHeader = "X-Mayfly-Cluster-Token"
	// messageSizeTrailer ends a delivery body with the number of message
	// bytes sent. A body cut short never carries it, so the owner cannot
	// mistake a truncated message for a whole one.
	messageSizeTrailer = "X-Mayfly-Message-Size"

	recipientCheckPath = "/internal/v1/recipients/check"
	deliveryPath       = "/internal/v1/deliveries"
)

// recipientCheckRequest is the body of POST /internal/v1/recipients/check.
// The address travels in the body, not the URL, so that no access log on
// the way can record it.
type recipientCheckRequest struct {
	Address string `json:"address"`
}

// recipientCheckReply reports whether a live inbox has the address.
type recipientCheckReply struct {
	Accepts bool `json:"accepts"`
}

// deliveryEnvelope is the first line of a POST /internal/v1/deliveries
// body, as JSON without line breaks. The message follows it.
type deliveryEnvelope struct {
	From       string              `json:"from"`
	ReceivedAt time.Time           `json:"received_at"`
	Recipients []deliveryRecipient `json:"recipients"`
}

// deliveryRecipient is one recipient of a forwarded message.
type deliveryRecipient struct {
	// Address is the normalised inbox address.
	Address string `json:"address"`
	// Original is the forward-path as the sender wrote it in RCPT.
	Original string `json:"original"`
}

// deliveryReply is the reply to a delivery: how many copies the owner
// made durable.
type deliveryReply struct {
	Stored int `json:"stored"`
}

// Error codes of the internal API and of the forwarding replies.
const (
	codeNoInbox          = "no_inbox"
	codeOwnerUnavailable = "owner_unavailable"
)
