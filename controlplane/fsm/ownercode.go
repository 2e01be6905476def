package fsm

import "github.com/mayfly-mail/mayfly/controlplane/state"

// ownerCodeAlphabet leaves out l, o, 0 and 1, which readers confuse.
const ownerCodeAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// freeOwnerCode returns the first two-character code, in alphabet order of
// first then second character ("aa", "ab", ...), that no edge holds. The
// order is fixed so that every replica picks the same code.
func freeOwnerCode(edges map[string]state.Edge) (string, bool) {
	used := make(map[string]bool, len(edges))
	for _, e := range edges {
		used[e.OwnerCode] = true
	}
	for i := 0; i < len(ownerCodeAlphabet); i++ {
		for j := 0; j < len(ownerCodeAlphabet); j++ {
			code := string([]byte{ownerCodeAlphabet[i], ownerCodeAlphabet[j]})
			if !used[code] {
				return code, true
			}
		}
	}
	return "", false
}
