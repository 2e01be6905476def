package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/mayfly-mail/mayfly/edge/seal"
	"github.com/mayfly-mail/mayfly/edge/store"
)

var (
	// ErrUnauthorized is returned for a token that is malformed, unknown or
	// expired, or whose inbox was deleted, and by every Access method once
	// the inbox is gone or expired.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNoInbox is returned by Deliver when no live inbox has the address.
	ErrNoInbox = errors.New("no live inbox for the address")
	// ErrAddressTaken is returned by Create when an inbox, live or expired
	// but not yet deleted, has the address.
	ErrAddressTaken = errors.New("address taken")
	// ErrMessageNotFound is returned for a message id that is malformed or
	// not in the inbox.
	ErrMessageNotFound = errors.New("message not found")
	// ErrInvalidTTL is returned for a TTL shorter than one second, and by
	// Create for one longer than the maximum.
	ErrInvalidTTL = errors.New("invalid TTL")
)

// keyPoolSize is the number of inbox key pairs kept ready: enough for a
// burst of creations from many clients, at several KB of memory each.
const keyPoolSize = 64

// sweepBatch is the number of inboxes one sweep transaction deletes, which
// bounds how long a sweep holds bbolt's write lock.
const sweepBatch = 256

// Service stores inboxes and their sealed messages. It is safe for
// concurrent use. Its methods take a context, and return its error if the
// context is done when they start. A started write finishes regardless.
type Service struct {
	cfg    Config
	log    *slog.Logger
	store  *store.Store
	node   *seal.NodeKey
	epochs *seal.EpochKeys
	decoy  *decoy
	keys   *keyCache
	notes  *notifier
	// keyPool generates the key pairs of new inboxes ahead of need.
	keyPool *seal.KeyPool

	// Buffers of a Delivery: a plaintext chunk and a sealed chunk.
	plainPool  sync.Pool
	sealedPool sync.Pool

	closeOnce sync.Once
	closeErr  error
}

// Open opens the inbox service on cfg.DataDir, creating the directory, the
// node key, the epoch key file and the store as needed.
func Open(cfg Config) (*Service, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open inbox service: %w", err)
	}

	// Loading the epoch keys only reads their file. The store then takes
	// bbolt's file lock, so a second process on the same directory stops
	// there before it can write a key file.
	epochs, lost, err := loadEpochKeys(cfg)
	if err != nil {
		return nil, fmt.Errorf("open inbox service: %w", err)
	}
	st, err := store.Open(cfg.DataDir, epochs)
	if err != nil {
		return nil, fmt.Errorf("open inbox service: %w", err)
	}
	s, err := newService(cfg, st, epochs)
	if err == nil {
		err = s.dropUnreadable(lost)
	}
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("open inbox service: %w", err)
	}
	if n := st.Unindexed(); n > 0 {
		s.log.Warn("inbox store has records it could not index: their inboxes are not found by token or address until they expire",
			"data_dir", cfg.DataDir, "hashes", n)
	}
	s.log.Info("inbox service opened", "data_dir", cfg.DataDir, "owner_code", cfg.OwnerCode)
	return s, nil
}

func newService(cfg Config, st *store.Store, epochs *seal.EpochKeys) (*Service, error) {
	node, err := seal.LoadOrCreateNodeKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	d, err := newDecoy(node, cfg.OwnerCode, cfg.EpochWindow)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger, store: st, node: node, epochs: epochs, decoy: d, keys: newKeyCache(), notes: newNotifier(),
		keyPool: seal.NewKeyPool(keyPoolSize)}
	s.plainPool.New = newBuffer(seal.ChunkSize)
	s.sealedPool.New = newBuffer(seal.ChunkSize + seal.ChunkOverhead)
	return s, nil
}

// newBuffer returns a pool's New function for buffers of the capacity.
func newBuffer(capacity int) func() any {
	return func() any {
		buf := make([]byte, 0, capacity)
		return &buf
	}
}

// Close closes the store. It waits for running calls to finish their
// transaction, and calls made after it fail, so the caller stops Run first.
// It is idempotent.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.keyPool.Close()
		s.closeErr = s.store.Close()
		s.log.Info("inbox service closed")
	})
	return s.closeErr
}

// Run sweeps expired inboxes every SweepInterval until ctx is done. It
// logs sweep errors and keeps going. A run of failures logs one error when
// it starts and one line with the count when a sweep succeeds again.
func (s *Service) Run(ctx context.Context) {
	s.log.Info("sweeper started", "interval", s.cfg.SweepInterval)
	defer s.log.Info("sweeper stopped")

	ticker := time.NewTicker(s.cfg.SweepInterval)
	defer ticker.Stop()
	failures := 0
	for {
		err := s.timedSweep(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			// Cancelled while sweeping: the loop ends below.
		case err != nil:
			if failures == 0 {
				s.log.Error("sweep failed, retrying every interval", "error", err)
			}
			failures++
		case failures > 0:
			s.log.Info("sweep succeeded again", "failed_sweeps", failures)
			failures = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// timedSweep runs Sweep and reports it to OnSweep, unless ctx ended it.
func (s *Service) timedSweep(ctx context.Context) error {
	start := time.Now()
	deleted, err := s.Sweep(ctx)
	if s.cfg.OnSweep != nil && ctx.Err() == nil {
		s.cfg.OnSweep(deleted, time.Since(start), err)
	}
	return err
}

// Sweep deletes every inbox that has expired, with its messages, and then
// destroys the epoch keys of ended epochs. It returns the number of inboxes
// deleted, including those before an error.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	deleted := 0
	for {
		if err := ctx.Err(); err != nil {
			return deleted, err
		}
		ids, err := s.store.DeleteExpired(now, sweepBatch)
		for _, id := range ids {
			s.log.Debug("expired inbox deleted", "inbox_id", encodeID(id))
		}
		deleted += len(ids)
		if err != nil {
			return deleted, fmt.Errorf("sweep: %w", err)
		}
		if len(ids) < sweepBatch {
			break
		}
	}
	if deleted > 0 {
		s.log.Info("expired inboxes deleted", "count", deleted)
	}

	destroyed, err := s.epochs.DestroyEnded(now)
	if err != nil {
		return deleted, fmt.Errorf("sweep: %w", err)
	}
	if destroyed > 0 {
		s.log.Info("ended epoch keys destroyed", "count", destroyed)
	}
	return deleted, nil
}

// Count returns how many inbox records are stored, including expired ones
// the sweeper has not removed yet.
func (s *Service) Count(_ context.Context) (int, error) {
	return s.store.CountInboxes()
}
