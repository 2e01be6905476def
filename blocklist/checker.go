package blocklist

import (
	"context"
	"time"
)

// Verdict is the outcome of one check.
type Verdict string

// The verdicts of a check.
const (
	// Clean means the list answered and does not list the domain.
	Clean Verdict = "clean"
	// Listed means the list lists the domain; Result.Categories says why.
	Listed Verdict = "listed"
	// NoVerdict means the list gave no usable answer: an error code, a
	// refused query, a resolver failure or an exhausted budget. It never
	// counts as a listing.
	NoVerdict Verdict = "no_verdict"
)

// Problem names why a check gave NoVerdict, from a small fixed set that is
// safe to use as a metric label.
type Problem string

// The reasons for NoVerdict.
const (
	// ProblemErrorCode is an error answer of the list about the query,
	// such as Spamhaus's 127.255.255.254 for a public resolver.
	ProblemErrorCode Problem = "error_code"
	// ProblemRefused is SURBL's or URIBL's 127.0.0.1: the list refused to
	// answer this resolver.
	ProblemRefused Problem = "refused"
	// ProblemUnexpected is an answer outside the list's documented range,
	// such as a resolver that rewrites NXDOMAIN to an address of its own.
	ProblemUnexpected Problem = "unexpected_answer"
	// ProblemResolver is a failed lookup: SERVFAIL, REFUSED from the
	// resolver, a timeout or a network error, after every retry.
	ProblemResolver Problem = "resolver"
	// ProblemBudget means the list's daily query budget is spent.
	ProblemBudget Problem = "budget"
	// ProblemFeed means the feed has never been fetched successfully.
	ProblemFeed Problem = "feed_unavailable"
	// ProblemInvalid is a domain name the list cannot be asked about.
	ProblemInvalid Problem = "invalid_domain"
)

// Result is the outcome of checking one domain against one list.
type Result struct {
	// List is the name of the list, as configured.
	List string `json:"list"`
	// Domain is the domain checked, in lower case without a trailing dot.
	Domain  string  `json:"domain"`
	Verdict Verdict `json:"verdict"`
	// Categories name why a listed domain is listed, such as "dbl-spam" or
	// "surbl-dm"; empty unless Verdict is Listed.
	Categories []string `json:"categories,omitempty"`
	// Evidence is the raw answer: the A records of a DNSBL ("127.0.1.2"),
	// "NXDOMAIN", or the feed entry that matched.
	Evidence string `json:"evidence,omitempty"`
	// Problem and Detail say why a check gave NoVerdict.
	Problem Problem `json:"problem,omitempty"`
	Detail  string  `json:"detail,omitempty"`
	// CheckedAt is when the answer arrived.
	CheckedAt time.Time `json:"checked_at"`
}

// Checker is one list a domain can be checked against. Implementations
// must be safe for concurrent use, must not return before ctx ends unless
// they have an answer, and report every failure as a NoVerdict Result
// rather than panicking or blocking.
type Checker interface {
	// Name is the list's configured name, unique among the checkers.
	Name() string
	// Interval is how often a domain should be checked against this list.
	Interval() time.Duration
	// Check asks the list about one domain.
	Check(ctx context.Context, domain string) Result
}
