package fsm

import (
	"fmt"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// maxMinActive bounds the minimum of active domains one region may ask for.
const maxMinActive = 1000

// TopUpRegion is the body of top_up_region: it promotes standby domains of
// the region, oldest first, until the region has MinActive active domains
// or no standby domain is left. Because Apply counts from the committed
// state, a top-up proposed twice promotes no more than one.
type TopUpRegion struct {
	Region    string `json:"region"`
	MinActive int    `json:"min_active"`
}

func (c *TopUpRegion) normalize() error {
	if c.MinActive < 1 || c.MinActive > maxMinActive {
		return reject(ErrInvalid, "invalid minimum of active domains %d: it must be 1-%d", c.MinActive, maxMinActive)
	}
	return ValidateRegion(c.Region)
}

func (c *TopUpRegion) apply(t *txn) (Result, error) {
	active := len(sortedDomains(t.read(), c.Region, state.Active))
	var promoted []state.Domain
	for _, d := range sortedDomains(t.read(), c.Region, state.Standby) {
		if active >= c.MinActive {
			break
		}
		reason := fmt.Sprintf("promoted to keep %d active domains in region %s", c.MinActive, c.Region)
		promoted = append(promoted, moveTo(t, d, state.Active, reason))
		active++
	}
	return Result{Domains: promoted}, nil
}

// FinishRetiring is the body of finish_retiring: each named domain that
// has been retiring for at least Grace, by the command's time, becomes
// retired and publishes the null MX. Grace is the longest an inbox can
// live, so that no inbox on the domain still expects mail. Other domains
// are left as they are.
type FinishRetiring struct {
	Names []string      `json:"names"`
	Grace time.Duration `json:"grace"`
}

func (c *FinishRetiring) normalize() error {
	if len(c.Names) == 0 || len(c.Names) > maxDomainsPerCommand {
		return reject(ErrInvalid, "%d domain names given: 1-%d are allowed", len(c.Names), maxDomainsPerCommand)
	}
	if c.Grace < 0 {
		return reject(ErrInvalid, "invalid grace period %s: it must not be negative", c.Grace)
	}
	for i, n := range c.Names {
		canonical, err := CanonicalDomain(n)
		if err != nil {
			return err
		}
		c.Names[i] = canonical
	}
	return nil
}

func (c *FinishRetiring) apply(t *txn) (Result, error) {
	var retired []state.Domain
	for _, name := range c.Names {
		d, ok := t.read().Domains[name]
		if !ok || d.Status != state.Retiring || t.at.Sub(retiringSince(d)) < c.Grace {
			continue
		}
		retired = append(retired, moveTo(t, d, state.Retired, d.Reason))
	}
	return Result{Domains: retired}, nil
}

// retiringSince is when a retiring domain started retiring. Domains that
// became retiring before the time was recorded fall back to UpdatedAt.
func retiringSince(d state.Domain) time.Time {
	if d.RetiringAt.IsZero() {
		return d.UpdatedAt
	}
	return d.RetiringAt
}

// RetireExposed is the body of retire_exposed: an active domain that has
// been active for at least MaxExposure, by the command's time, moves to
// retiring before any list catches it. Any other domain is left as it is.
type RetireExposed struct {
	Name        string        `json:"name"`
	MaxExposure time.Duration `json:"max_exposure"`
}

func (c *RetireExposed) normalize() error {
	if c.MaxExposure <= 0 {
		return reject(ErrInvalid, "invalid maximum exposure age %s: it must be positive", c.MaxExposure)
	}
	name, err := CanonicalDomain(c.Name)
	if err != nil {
		return err
	}
	c.Name = name
	return nil
}

func (c *RetireExposed) apply(t *txn) (Result, error) {
	d, ok := t.read().Domains[c.Name]
	if !ok || d.Status != state.Active || d.ActivatedAt.IsZero() || t.at.Sub(d.ActivatedAt) < c.MaxExposure {
		return Result{}, nil
	}
	reason := fmt.Sprintf("active for longer than the maximum exposure age of %s", c.MaxExposure)
	return Result{Domains: []state.Domain{moveTo(t, d, state.Retiring, reason)}}, nil
}
