package policy

import (
	"fmt"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// BenchmarkDue computes the due checks of 10,000 domains against three
// lists, the leader's work on every tick.
func BenchmarkDue(b *testing.B) {
	c := Config{}.WithDefaults()
	s := state.New()
	for i := range 10_000 {
		name := fmt.Sprintf("pool-%d.test", i)
		s.Domains[name] = state.Domain{Name: name, Region: "eu", Status: state.Active}
		s.Blocklist[name] = state.DomainChecks{Latest: map[string]state.CheckRecord{
			"dbl": {CheckedAt: t0}, "surbl": {CheckedAt: t0}, "uribl": {CheckedAt: t0},
		}}
	}
	lists := []List{{"dbl", time.Hour}, {"surbl", time.Hour}, {"uribl", time.Hour}}
	for b.Loop() {
		c.Due(s, lists, t0.Add(30*time.Minute), t0)
	}
}
