package fsm

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// Limits on names, from RFC 1035 §2.3.4 for DNS names.
const (
	maxNameLength   = 253
	maxLabelLength  = 63
	maxRegionLength = 32
	maxEdgeIDLength = 64
	maxReasonLength = 1024
)

// CanonicalDomain returns the canonical form of a pool domain name: lower
// case, without a trailing dot. The name must be a valid DNS host name of
// at least two labels, each 1-63 characters of a-z, 0-9 and "-" that
// neither starts nor ends with "-", and at most 253 characters in all.
// An invalid name yields a *RejectError of kind ErrInvalid.
func CanonicalDomain(name string) (string, error) {
	return canonicalHost("domain name", name, 2)
}

// ValidateRegion checks that a region name is 1-32 characters of a-z, 0-9
// and "-". An invalid name yields a *RejectError of kind ErrInvalid.
func ValidateRegion(region string) error {
	if region == "" {
		return reject(ErrInvalid, "region is missing: it must be 1-%d characters of a-z, 0-9 and \"-\"", maxRegionLength)
	}
	if len(region) > maxRegionLength || !onlyLabelChars(region) {
		return reject(ErrInvalid, "invalid region %q: it must be 1-%d characters of a-z, 0-9 and \"-\"", region, maxRegionLength)
	}
	return nil
}

// canonicalHost lower-cases name, strips one trailing dot and checks it
// against the host-name rules of CanonicalDomain with at least minLabels
// labels. field names the value in the error message.
func canonicalHost(field, name string, minLabels int) (string, error) {
	canonical := state.CanonicalName(name)
	if canonical == "" {
		return "", reject(ErrInvalid, "%s is missing", field)
	}
	if len(canonical) > maxNameLength {
		return "", reject(ErrInvalid, "invalid %s %q: it is longer than %d characters", field, name, maxNameLength)
	}

	labels := strings.Split(canonical, ".")
	if len(labels) < minLabels {
		return "", reject(ErrInvalid, "invalid %s %q: it must have at least %d labels", field, name, minLabels)
	}
	for _, label := range labels {
		if problem := labelProblem(label); problem != "" {
			return "", reject(ErrInvalid, "invalid %s %q: label %q %s", field, name, label, problem)
		}
	}
	return canonical, nil
}

// labelProblem describes what is wrong with one lower-case DNS label, or
// returns "" for a valid label.
func labelProblem(label string) string {
	switch {
	case label == "":
		return "is empty"
	case len(label) > maxLabelLength:
		return fmt.Sprintf("is longer than %d characters", maxLabelLength)
	case !onlyLabelChars(label):
		return "may contain only a-z, 0-9 and \"-\""
	case label[0] == '-' || label[len(label)-1] == '-':
		return "may not start or end with \"-\""
	}
	return ""
}

func onlyLabelChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validateEdgeID checks an edge id: 1-64 characters of letters, digits,
// ".", "_" and "-", which covers host names used as node ids.
func validateEdgeID(id string) error {
	if id == "" {
		return reject(ErrInvalid, "edge id is missing")
	}
	valid := len(id) <= maxEdgeIDLength
	for i := 0; valid && i < len(id); i++ {
		c := id[i]
		valid = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == '-'
	}
	if !valid {
		return reject(ErrInvalid, "invalid edge id %q: it must be 1-%d characters of letters, digits, \".\", \"_\" and \"-\"", id, maxEdgeIDLength)
	}
	return nil
}

// canonicalAddrs parses IP addresses and returns them in canonical text
// form, sorted and without duplicates, so that the order in which a sender
// lists them does not count as a change.
func canonicalAddrs(field string, addrs []string) ([]string, error) {
	if len(addrs) == 0 {
		return nil, reject(ErrInvalid, "%s is missing: at least one IP address is required", field)
	}
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil || ip.Zone() != "" {
			return nil, reject(ErrInvalid, "invalid %s %q: it must be an IPv4 or IPv6 address without a zone", field, a)
		}
		out = append(out, ip.Unmap().String())
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// validateInternalURL checks an edge's optional internal URL: absolute,
// http or https, with a host.
func validateInternalURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return reject(ErrInvalid, "invalid internal URL %q: it must be an absolute http or https URL", raw)
	}
	return nil
}

func validateReason(reason string) error {
	if len(reason) > maxReasonLength {
		return reject(ErrInvalid, "reason is longer than %d bytes", maxReasonLength)
	}
	return nil
}
