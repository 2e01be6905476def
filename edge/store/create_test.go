package store

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// Concurrent creates share commits, and still exactly one of the creates
// racing for an address gets it while every create of a free address
// succeeds.
func TestCreateInbox_ConcurrentCreatesKeepAddressesUnique(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	const addresses, racers = 20, 4
	var wg sync.WaitGroup
	results := make([][]error, addresses)
	inboxes := make([][]Inbox, addresses)
	for a := range addresses {
		results[a] = make([]error, racers)
		inboxes[a] = make([]Inbox, racers)
		shared := randomBytes(t, 32)
		for r := range racers {
			in := newTestInbox(t, testNow.Add(time.Hour))
			in.AddressHash = shared
			inboxes[a][r] = in
		}
	}
	for a := range addresses {
		for r := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[a][r] = s.CreateInbox(inboxes[a][r])
			}()
		}
	}
	wg.Wait()

	for a := range addresses {
		won := 0
		for r, err := range results[a] {
			switch {
			case err == nil:
				won++
				if _, getErr := s.Inbox(inboxes[a][r].ID); getErr != nil {
					t.Errorf("address %d: the winning inbox is not stored: %v", a, getErr)
				}
			case !errors.Is(err, ErrAddressTaken):
				t.Errorf("address %d: got %v, want nil or ErrAddressTaken", a, err)
			}
		}
		if won != 1 {
			t.Errorf("address %d: %d creates succeeded, want exactly 1", a, won)
		}
	}
	if n, err := s.CountInboxes(); err != nil || n != addresses {
		t.Errorf("CountInboxes: got %d, %v; want %d", n, err, addresses)
	}
}
