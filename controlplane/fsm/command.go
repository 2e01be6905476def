package fsm

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// CommandVersion is the only command envelope version this package applies.
const CommandVersion = 1

// CommandType names a command; the package documentation lists the types.
type CommandType string

// The command types.
const (
	TypeAddDomains      CommandType = "add_domains"
	TypeRetireDomain    CommandType = "retire_domain"
	TypeSetDomainStatus CommandType = "set_domain_status"
	TypeRegisterEdge    CommandType = "register_edge"
	TypeHeartbeatEdge   CommandType = "heartbeat_edge"
	TypeRemoveEdge      CommandType = "remove_edge"
	TypeSetEdgeHealth   CommandType = "set_edge_health"
	TypeSetEdgeDraining CommandType = "set_edge_draining"
	TypeSetDNSSettings  CommandType = "set_dns_settings"
	TypeSetMember       CommandType = "set_member"
	TypeRemoveMember    CommandType = "remove_member"
	TypeRestoreState    CommandType = "restore_state"
	TypeSetDNSSECKey    CommandType = "set_dnssec_key"
	TypeRecordVerdicts  CommandType = "record_verdicts"
	TypeTopUpRegion     CommandType = "top_up_region"
	TypeFinishRetiring  CommandType = "finish_retiring"
	TypeRetireExposed   CommandType = "retire_exposed"
)

// Command is the envelope of one Raft log entry.
type Command struct {
	V         int         `json:"v"`
	Type      CommandType `json:"type"`
	RequestID string      `json:"request_id"`
	// At is the proposer's time, the only clock Apply reads.
	At   time.Time       `json:"at"`
	Body json.RawMessage `json:"body"`
}

// Result is the outcome of a successful command, returned to its proposer.
type Result struct {
	// Domains holds the domains a domain command named, in their new state.
	Domains []state.Domain
	// Edge is the edge an edge command named, in its new state.
	Edge state.Edge
}

// Response is the value Apply returns for every log entry: Err is nil or a
// *RejectError, and Result is only set when Err is nil.
type Response struct {
	Result Result
	Err    error
}

// command is the body of one command type: normalize checks the body on
// its own and brings it into canonical form, apply checks it against the
// state and changes the state through the transaction.
type command interface {
	normalize() error
	apply(t *txn) (Result, error)
}

// newBody returns an empty body for a command type, or false for an
// unknown type. It is the dispatch table of Apply.
func newBody(typ CommandType) (command, bool) {
	switch typ {
	case TypeAddDomains:
		return new(AddDomains), true
	case TypeRetireDomain:
		return new(RetireDomain), true
	case TypeSetDomainStatus:
		return new(SetDomainStatus), true
	case TypeRegisterEdge:
		return new(RegisterEdge), true
	case TypeHeartbeatEdge:
		return new(HeartbeatEdge), true
	case TypeRemoveEdge:
		return new(RemoveEdge), true
	case TypeSetEdgeHealth:
		return new(SetEdgeHealth), true
	case TypeSetEdgeDraining:
		return new(SetEdgeDraining), true
	case TypeSetDNSSettings:
		return new(SetDNSSettings), true
	case TypeSetMember:
		return new(SetMember), true
	case TypeRemoveMember:
		return new(RemoveMember), true
	case TypeRestoreState:
		return new(RestoreState), true
	case TypeSetDNSSECKey:
		return new(SetDNSSECKey), true
	case TypeRecordVerdicts:
		return new(RecordVerdicts), true
	case TypeTopUpRegion:
		return new(TopUpRegion), true
	case TypeFinishRetiring:
		return new(FinishRetiring), true
	case TypeRetireExposed:
		return new(RetireExposed), true
	}
	return nil, false
}

// NewCommand builds a version 1 command with the given body, which must be
// the body type of typ (AddDomains for TypeAddDomains, and so on).
func NewCommand(typ CommandType, requestID string, at time.Time, body any) (Command, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return Command{}, fmt.Errorf("encode %s body: %w", typ, err)
	}
	return Command{V: CommandVersion, Type: typ, RequestID: requestID, At: at.UTC(), Body: raw}, nil
}

// Encode returns the command in its log-entry form.
func (c Command) Encode() ([]byte, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode %s command: %w", c.Type, err)
	}
	return data, nil
}

// Validate runs the checks that need no state, so that a proposer can reject
// a bad request before it takes a log entry. It returns a *RejectError for
// a body that Apply would reject, and a plain error for a command that Apply
// could not decode at all.
func Validate(c Command) error {
	body, err := decodeBody(c)
	if err != nil {
		return err
	}
	return body.normalize()
}

// decodeCommand parses a log entry into its envelope and body. Any error
// means the entry cannot be applied.
func decodeCommand(data []byte) (Command, command, error) {
	var c Command
	if err := json.Unmarshal(data, &c); err != nil {
		return Command{}, nil, fmt.Errorf("decode command: %w", err)
	}
	body, err := decodeBody(c)
	return c, body, err
}

func decodeBody(c Command) (command, error) {
	if c.V != CommandVersion {
		return nil, fmt.Errorf("decode command: unsupported version %d, want %d", c.V, CommandVersion)
	}
	body, ok := newBody(c.Type)
	if !ok {
		return nil, fmt.Errorf("decode command: unknown type %q", c.Type)
	}
	if len(c.Body) == 0 {
		return nil, errors.New("decode command: body is missing")
	}
	if err := json.Unmarshal(c.Body, body); err != nil {
		return nil, fmt.Errorf("decode %s body: %w", c.Type, err)
	}
	return body, nil
}
