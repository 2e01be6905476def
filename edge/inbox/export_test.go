package inbox

import (
	"errors"

	"github.com/mayfly-mail/mayfly/edge/store"
)

// InboxStored reports whether the store still has a record for the inbox
// id, whatever its expiry.
func (s *Service) InboxStored(id string) (bool, error) {
	raw, ok := parseID(id)
	if !ok {
		return false, nil
	}
	_, err := s.store.Inbox(raw)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// StorePagesInUse returns the bytes that the store's pages in use take.
func (s *Service) StorePagesInUse() (int64, error) {
	return s.store.PagesInUse()
}
