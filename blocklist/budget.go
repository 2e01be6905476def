package blocklist

import (
	"sync"
	"time"
)

// budget counts a list's queries per UTC day and refuses more than limit.
// A limit of zero or less means no limit. It is safe for concurrent use.
//
// NOTE: the count lives in the memory of the node that queries, so a
// restart or a new leader starts the day's count again.
type budget struct {
	limit int

	mu   sync.Mutex
	day  string
	used int
}

// take reports whether one more query fits into the budget of now's day,
// and counts it when it does.
func (b *budget) take(now time.Time) bool {
	if b.limit <= 0 {
		return true
	}
	day := now.UTC().Format(time.DateOnly)
	b.mu.Lock()
	defer b.mu.Unlock()
	if day != b.day {
		b.day, b.used = day, 0
	}
	if b.used >= b.limit {
		return false
	}
	b.used++
	return true
}
