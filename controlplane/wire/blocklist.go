package wire

import (
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// PoolRegion is one region's pool health in the reply to GET /v1/pool.
type PoolRegion struct {
	state.PoolCounts
	// MinActive is the number of active domains the leader keeps by
	// promoting standby domains.
	MinActive int `json:"min_active"`
	// StandbyEmpty is true when no standby domain is left to promote.
	StandbyEmpty bool `json:"standby_empty"`
}

// PoolResponse is the reply to GET /v1/pool.
type PoolResponse struct {
	Regions []PoolRegion `json:"regions"`
}

// DomainChecksResponse is the reply to GET /v1/domains/{name}/checks: the
// domain, its blocklist evidence and its useful life.
type DomainChecksResponse struct {
	Domain state.Domain       `json:"domain"`
	Checks state.DomainChecks `json:"checks"`
	// UsefulLife is the time from activation to the listing that retired
	// the domain, as a Go duration; empty until both happened.
	UsefulLife string `json:"useful_life,omitempty"`
}

// BlocklistCheckRequest is the body of POST /v1/blocklist/check.
type BlocklistCheckRequest struct {
	Domain string `json:"domain"`
}

// CheckResult is the result of one list in the reply to POST
// /v1/blocklist/check.
type CheckResult struct {
	List       string    `json:"list"`
	Verdict    string    `json:"verdict"`
	Categories []string  `json:"categories,omitempty"`
	Evidence   string    `json:"evidence,omitempty"`
	Problem    string    `json:"problem,omitempty"`
	Detail     string    `json:"detail,omitempty"`
	CheckedAt  time.Time `json:"checked_at"`
	// Retires is true for a listing that the rotation policy retires a
	// domain on.
	Retires bool `json:"retires"`
}

// BlocklistCheckResponse is the reply to POST /v1/blocklist/check.
type BlocklistCheckResponse struct {
	Domain  string        `json:"domain"`
	Results []CheckResult `json:"results"`
}
