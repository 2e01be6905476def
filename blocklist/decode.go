package blocklist

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Kind is the answer format of a DNSBL zone.
type Kind string

// The DNSBL kinds this package decodes.
const (
	KindSpamhausDBL Kind = "spamhaus-dbl"
	KindSURBL       Kind = "surbl"
	KindURIBL       Kind = "uribl"
)

// Valid reports whether k is a kind this package decodes.
func (k Kind) Valid() bool {
	switch k {
	case KindSpamhausDBL, KindSURBL, KindURIBL:
		return true
	}
	return false
}

// Answer is the decoded meaning of a DNSBL's A records for one query.
type Answer struct {
	Verdict    Verdict
	Categories []string
	Problem    Problem
	Detail     string
}

// DecodeAnswer interprets the A records a DNSBL of kind returned for one
// query. No records means not listed. Any error or refusal code among the
// records makes the whole answer NoVerdict, because the list then did not
// judge the domain.
func DecodeAnswer(kind Kind, addrs []netip.Addr) Answer {
	if len(addrs) == 0 {
		return Answer{Verdict: Clean}
	}
	var decode func(netip.Addr) ([]string, Problem, string)
	switch kind {
	case KindSpamhausDBL:
		decode = decodeDBL
	case KindSURBL:
		decode = func(a netip.Addr) ([]string, Problem, string) { return decodeBitmask(a, "surbl", surblBits) }
	case KindURIBL:
		decode = func(a netip.Addr) ([]string, Problem, string) { return decodeBitmask(a, "uribl", uriblBits) }
	default:
		return Answer{Verdict: NoVerdict, Problem: ProblemUnexpected, Detail: fmt.Sprintf("unknown list kind %q", kind)}
	}

	var categories []string
	for _, a := range addrs {
		cats, problem, detail := decode(a)
		if problem != "" {
			return Answer{Verdict: NoVerdict, Problem: problem, Detail: detail}
		}
		categories = append(categories, cats...)
	}
	slices.Sort(categories)
	return Answer{Verdict: Listed, Categories: slices.Compact(categories)}
}

// dblCategories maps the last octet of a Spamhaus DBL listing (127.0.1.x)
// to its category, from Spamhaus's table of DNSBL return codes.
var dblCategories = map[byte]string{
	2:   "dbl-spam",
	4:   "dbl-phishing",
	5:   "dbl-malware",
	6:   "dbl-botnet-cc",
	102: "dbl-abused-spam",
	103: "dbl-abused-redirector",
	104: "dbl-abused-phishing",
	105: "dbl-abused-malware",
	106: "dbl-abused-botnet-cc",
}

// dblErrors are Spamhaus's answers about the query rather than the domain.
var dblErrors = map[netip.Addr]string{
	netip.AddrFrom4([4]byte{127, 0, 1, 255}):     "the list rejects this kind of query (127.0.1.255)",
	netip.AddrFrom4([4]byte{127, 255, 255, 252}): "typing error in the DNSBL zone name (127.255.255.252)",
	netip.AddrFrom4([4]byte{127, 255, 255, 254}): "query through a public or open resolver (127.255.255.254)",
	netip.AddrFrom4([4]byte{127, 255, 255, 255}): "excessive number of queries (127.255.255.255)",
}

func decodeDBL(a netip.Addr) ([]string, Problem, string) {
	if detail, ok := dblErrors[a]; ok {
		return nil, ProblemErrorCode, detail
	}
	b := a.As16()
	if !a.Is4() || b[12] != 127 || b[13] != 0 || b[14] != 1 {
		if a.Is4() && b[12] == 127 && b[13] == 255 && b[14] == 255 {
			return nil, ProblemErrorCode, fmt.Sprintf("error code %s", a)
		}
		return nil, ProblemUnexpected, fmt.Sprintf("answer %s is outside 127.0.1.0/24", a)
	}
	if cat, ok := dblCategories[b[15]]; ok {
		return []string{cat}, "", ""
	}
	return []string{fmt.Sprintf("dbl-code-%d", b[15])}, "", ""
}

// surblBits and uriblBits name the bits of the last octet of a SURBL or
// URIBL multi answer (127.0.0.x), from the lists' published bitmasks.
var (
	surblBits = map[byte]string{4: "dm", 8: "ph", 16: "mw", 32: "ct", 64: "abuse", 128: "cr"}
	uriblBits = map[byte]string{2: "black", 4: "grey", 8: "red"}
)

// decodeBitmask decodes a 127.x.x.N answer whose last octet is a bitmask.
// The middle octets are reserved, so they are ignored. N = 1 is the
// refusal code of both SURBL and URIBL.
func decodeBitmask(a netip.Addr, prefix string, bits map[byte]string) ([]string, Problem, string) {
	b := a.As16()
	if !a.Is4() || b[12] != 127 {
		return nil, ProblemUnexpected, fmt.Sprintf("answer %s is outside 127.0.0.0/8", a)
	}
	last := b[15]
	if last&1 == 1 {
		return nil, ProblemRefused, fmt.Sprintf("the list refused the query (%s)", a)
	}
	if last == 0 {
		return nil, ProblemUnexpected, fmt.Sprintf("answer %s sets no list bit", a)
	}
	var cats []string
	for bit := 1; bit < 256; bit <<= 1 {
		if last&byte(bit) == 0 {
			continue
		}
		name, ok := bits[byte(bit)]
		if !ok {
			name = fmt.Sprintf("bit-%d", bit)
		}
		cats = append(cats, prefix+"-"+name)
	}
	return cats, "", ""
}

// formatAddrs renders A records as evidence, such as "127.0.1.2 127.0.1.4".
func formatAddrs(addrs []netip.Addr) string {
	parts := make([]string, len(addrs))
	for i, a := range addrs {
		parts[i] = a.String()
	}
	return strings.Join(parts, " ")
}
