package inbox

import (
	"errors"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// loadEpochKeys loads the node's epoch keys. A key file that does not
// decode is replaced by an empty set, and lost reports it: the records
// sealed under the old keys can never be opened again.
func loadEpochKeys(cfg Config) (keys *seal.EpochKeys, lost bool, err error) {
	keys, err = seal.LoadEpochKeys(cfg.DataDir, cfg.EpochWindow)
	if errors.Is(err, seal.ErrEpochKeysUnreadable) {
		return seal.EmptyEpochKeys(cfg.DataDir, cfg.EpochWindow), true, nil
	}
	return keys, false, err
}

// dropUnreadable deletes the inboxes whose epoch key is missing, after a
// key file was lost or did not decode, and logs one line saying so. The
// data is unreadable by design, so the edge starts clean rather than
// keeping records that no token can open.
func (s *Service) dropUnreadable(fileUnreadable bool) error {
	if fileUnreadable {
		if err := s.epochs.Save(); err != nil {
			return err
		}
	}
	n, err := s.store.DeleteUnreadable()
	if err != nil {
		return err
	}
	if n > 0 || fileUnreadable {
		s.log.Warn("epoch key file missing or unreadable: the inboxes sealed under its keys cannot be decrypted and were removed",
			"inboxes_removed", n, "key_file_unreadable", fileUnreadable)
	}
	return nil
}
