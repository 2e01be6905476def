package fsm

import (
	"net/url"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// SetMember is the body of set_member: it records the API URL of a
// control-plane node. Recording the URL the state holds already succeeds
// without a change.
type SetMember state.Member

func (c *SetMember) normalize() error {
	if err := validateNodeID(c.ID); err != nil {
		return err
	}
	u, err := url.Parse(c.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
		return reject(ErrInvalid, "invalid API URL %q: it must be an absolute http or https URL without a path", c.APIURL)
	}
	return nil
}

func (c *SetMember) apply(t *txn) (Result, error) {
	if t.read().Members[c.ID] == state.Member(*c) {
		return Result{}, nil
	}
	t.write().Members[c.ID] = state.Member(*c)
	return Result{}, nil
}

// RemoveMember is the body of remove_member: it forgets a control-plane
// node's API URL. Removing an unknown node succeeds without a change.
type RemoveMember struct {
	ID string `json:"id"`
}

func (c *RemoveMember) normalize() error {
	return validateNodeID(c.ID)
}

func (c *RemoveMember) apply(t *txn) (Result, error) {
	if _, ok := t.read().Members[c.ID]; !ok {
		return Result{}, nil
	}
	delete(t.write().Members, c.ID)
	return Result{}, nil
}

// validateNodeID checks a control-plane node id, which follows the rules
// of edge ids.
func validateNodeID(id string) error {
	if err := validateEdgeID(id); err != nil {
		return reject(ErrInvalid, "invalid node id %q: it must be 1-%d characters of letters, digits, \".\", \"_\" and \"-\"", id, maxEdgeIDLength)
	}
	return nil
}
