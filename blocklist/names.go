package blocklist

import (
	"fmt"
	"strings"
)

// canonicalDomain lower-cases name, strips one trailing dot and checks
// that it is a DNS name of at least two labels of a-z, 0-9, "-" and "_",
// at most 253 characters (RFC 1035 §2.3.4).
func canonicalDomain(name string) (string, error) {
	canonical := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	if canonical == "" {
		return "", fmt.Errorf("domain name is missing")
	}
	if len(canonical) > 253 {
		return "", fmt.Errorf("invalid domain name %q: longer than 253 characters", name)
	}
	labels := strings.Split(canonical, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("invalid domain name %q: want at least two labels", name)
	}
	for _, l := range labels {
		if p := labelProblem(l); p != "" {
			return "", fmt.Errorf("invalid domain name %q: label %q %s", name, l, p)
		}
	}
	return canonical, nil
}

// labelProblem describes what is wrong with a lower-case label, or returns
// "". Underscores are allowed because some listed names carry them.
func labelProblem(label string) string {
	if label == "" {
		return "is empty"
	}
	if len(label) > 63 {
		return "is longer than 63 characters"
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "may contain only a-z, 0-9, \"-\" and \"_\""
		}
	}
	return ""
}
