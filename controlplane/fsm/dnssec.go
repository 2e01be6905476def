package fsm

import (
	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// SetDNSSECKey is the body of set_dnssec_key: it installs the key that
// signs every zone. The proposer generates the key, so that every replica
// stores the same one. Setting the key the state holds already succeeds
// without a change; a different key is rejected, because replacing the
// key without a rollover (RFC 7583) would break validation at every
// resolver that trusts the published DS.
type SetDNSSECKey struct {
	Key state.DNSSECKey `json:"key"`
}

func (c *SetDNSSECKey) normalize() error {
	if _, err := c.Key.ECDSAKey(); err != nil {
		return reject(ErrInvalid, "invalid dnssec key: %s", err)
	}
	if c.Key.CreatedAt.IsZero() {
		return reject(ErrInvalid, "dnssec key has no creation time")
	}
	c.Key.CreatedAt = c.Key.CreatedAt.UTC()
	return nil
}

func (c *SetDNSSECKey) apply(t *txn) (Result, error) {
	current := t.read().DNSSEC
	if len(current) > 0 {
		if current[0].PrivateKey == c.Key.PrivateKey && current[0].Algorithm == c.Key.Algorithm {
			return Result{}, nil
		}
		return Result{}, reject(ErrDNSSECKeyExists, "a dnssec key is set already: key rollover is not supported")
	}

	s := t.write()
	s.DNSSEC = []state.DNSSECKey{c.Key}
	// Every zone gains a DNSKEY record set and signatures.
	bumpAll(s)
	return Result{}, nil
}
