package fsm

import (
	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// maxDomainsPerCommand bounds one add_domains entry, which keeps a log
// entry and its apply time small.
const maxDomainsPerCommand = 1000

// AddDomains is the body of add_domains: it adds the names to the pool in
// one region, active unless Standby is set. A name that the pool already
// has in the same region is left as it is, so a retry succeeds. A name
// that the pool has in another region rejects the whole command with
// ErrDomainExists.
type AddDomains struct {
	Names   []string `json:"names"`
	Region  string   `json:"region"`
	Standby bool     `json:"standby"`
}

func (c *AddDomains) normalize() error {
	if len(c.Names) == 0 {
		return reject(ErrInvalid, "no domain names given: at least one is required")
	}
	if len(c.Names) > maxDomainsPerCommand {
		return reject(ErrInvalid, "%d domain names given: at most %d are allowed at once", len(c.Names), maxDomainsPerCommand)
	}
	names := make([]string, 0, len(c.Names))
	seen := make(map[string]bool, len(c.Names))
	for _, n := range c.Names {
		canonical, err := CanonicalDomain(n)
		if err != nil {
			return err
		}
		if !seen[canonical] {
			seen[canonical] = true
			names = append(names, canonical)
		}
	}
	c.Names = names
	return ValidateRegion(c.Region)
}

func (c *AddDomains) apply(t *txn) (Result, error) {
	var missing []string
	for _, name := range c.Names {
		d, ok := t.read().Domains[name]
		switch {
		case !ok:
			missing = append(missing, name)
		case d.Region != c.Region:
			return Result{}, reject(ErrDomainExists, "domain %q exists in region %q, not %q", name, d.Region, c.Region)
		}
	}

	status := state.Active
	if c.Standby {
		status = state.Standby
	}
	for _, name := range missing {
		d := state.Domain{
			Name:      name,
			Region:    c.Region,
			Status:    status,
			CreatedAt: t.at,
			UpdatedAt: t.at,
			Serial:    1,
		}
		stampStatus(&d, t.at)
		t.write().Domains[name] = d
	}
	return Result{Domains: domainsNamed(t.read(), c.Names)}, nil
}

// RetireDomain is the body of retire_domain: it moves a domain straight to
// retired, recording the reason. With Grace it moves the domain to retiring
// instead, from which the leader retires it after the grace period; entries
// written without the field keep their meaning.
type RetireDomain struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Grace  bool   `json:"grace,omitempty"`
}

func (c *RetireDomain) normalize() error {
	name, err := CanonicalDomain(c.Name)
	if err != nil {
		return err
	}
	c.Name = name
	return validateReason(c.Reason)
}

func (c *RetireDomain) apply(t *txn) (Result, error) {
	if !c.Grace {
		return setStatus(t, c.Name, state.Retired, c.Reason)
	}
	if d, ok := t.read().Domains[c.Name]; ok && d.Status == state.Retiring {
		// Already on its way out: the grace period keeps its start.
		return Result{Domains: []state.Domain{d}}, nil
	}
	return setStatus(t, c.Name, state.Retiring, c.Reason)
}

// SetDomainStatus is the body of set_domain_status: it moves a domain to
// any status with a reason. Retired is final, so a retired domain cannot
// move to another status (ErrStatusTransition).
type SetDomainStatus struct {
	Name   string             `json:"name"`
	Status state.DomainStatus `json:"status"`
	Reason string             `json:"reason"`
}

func (c *SetDomainStatus) normalize() error {
	name, err := CanonicalDomain(c.Name)
	if err != nil {
		return err
	}
	c.Name = name
	if !c.Status.Valid() {
		return reject(ErrInvalid, "invalid domain status %q: it must be standby, active, retiring or retired", c.Status)
	}
	return validateReason(c.Reason)
}

func (c *SetDomainStatus) apply(t *txn) (Result, error) {
	return setStatus(t, c.Name, c.Status, c.Reason)
}

// setStatus sets a domain's status and reason. Setting what the domain
// already has succeeds without a change.
func setStatus(t *txn, name string, status state.DomainStatus, reason string) (Result, error) {
	d, ok := t.read().Domains[name]
	if !ok {
		return Result{}, reject(ErrDomainNotFound, "domain %q not found", name)
	}
	if d.Status == status && d.Reason == reason {
		return Result{Domains: []state.Domain{d}}, nil
	}
	if d.Status == state.Retired && status != state.Retired {
		return Result{}, reject(ErrStatusTransition, "domain %q is retired and cannot become %s", name, status)
	}

	if d.Status != status {
		d.Serial++
		d.Status = status
		stampStatus(&d, t.at)
	}
	d.Reason = reason
	d.UpdatedAt = t.at
	t.write().Domains[name] = d
	return Result{Domains: []state.Domain{d}}, nil
}

func domainsNamed(s *state.State, names []string) []state.Domain {
	out := make([]state.Domain, 0, len(names))
	for _, n := range names {
		out = append(out, s.Domains[n])
	}
	return out
}

// bumpRegion bumps the serial of every domain of the region whose MX
// records list the region's edges.
func bumpRegion(s *state.State, region string) {
	for name, d := range s.Domains {
		if d.Region == region && d.Status.ServesMail() {
			d.Serial++
			s.Domains[name] = d
		}
	}
}

// bumpAll bumps the serial of every zone: each domain and the operations zone.
func bumpAll(s *state.State) {
	for name, d := range s.Domains {
		d.Serial++
		s.Domains[name] = d
	}
	s.DNS.OpsSerial++
}
