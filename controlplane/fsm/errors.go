package fsm

import (
	"errors"
	"fmt"
)

// Sentinel errors for business rejections. Apply returns them wrapped in a
// *RejectError; check them with errors.Is.
var (
	// ErrInvalid rejects a command with a malformed or out-of-range value.
	ErrInvalid = errors.New("invalid command")
	// ErrDomainExists rejects adding a domain that the pool holds in
	// another region.
	ErrDomainExists = errors.New("domain exists")
	// ErrDomainNotFound rejects a command on a domain the pool does not hold.
	ErrDomainNotFound = errors.New("domain not found")
	// ErrEdgeNotFound rejects a heartbeat from an edge that is not
	// registered, so the edge knows to register again.
	ErrEdgeNotFound = errors.New("edge not found")
	// ErrStatusTransition rejects a status change out of retired, the
	// final stage of the domain life cycle.
	ErrStatusTransition = errors.New("status transition not allowed")
	// ErrOwnerCodesExhausted rejects registering a new edge when every
	// owner code is taken.
	ErrOwnerCodesExhausted = errors.New("owner codes exhausted")
	// ErrDNSSECKeyExists rejects a signing key when a different one is set.
	ErrDNSSECKeyExists = errors.New("dnssec key exists")
)

// RejectError is a business rejection: Message says which value was wrong
// and what is allowed, and Kind is one of the sentinel errors above. The
// message is meant for the operator or edge that sent the request.
type RejectError struct {
	Kind    error
	Message string
}

func (e *RejectError) Error() string { return e.Message }

// Unwrap returns Kind, so errors.Is matches the sentinel.
func (e *RejectError) Unwrap() error { return e.Kind }

func reject(kind error, format string, args ...any) *RejectError {
	return &RejectError{Kind: kind, Message: fmt.Sprintf(format, args...)}
}
