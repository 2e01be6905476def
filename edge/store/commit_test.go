package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.etcd.io/bbolt"
)

var testBucket = []byte("test")

// openCommitter opens a bbolt file with one bucket and a committer on it.
func openCommitter(t *testing.T) (*bbolt.DB, *committer) {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "commit.db"), 0o600, nil)
	if err != nil {
		t.Fatalf("open bbolt: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucket(testBucket)
		return err
	}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	c := newCommitter(db)
	t.Cleanup(c.close)
	return db, c
}

func putKey(key string) func(*bbolt.Tx) error {
	return func(tx *bbolt.Tx) error { return tx.Bucket(testBucket).Put([]byte(key), []byte("v")) }
}

func countKeys(t *testing.T, db *bbolt.DB) int {
	t.Helper()
	n := 0
	if err := db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket(testBucket).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatalf("count keys: %v", err)
	}
	return n
}

// Every concurrent caller's write is committed by the time update returns.
func TestCommitter_ConcurrentWritesAllCommit(t *testing.T) {
	db, c := openCommitter(t)
	const writers, each = 32, 50

	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf("w%02d-%03d", w, i)
				if err := c.update(putKey(key)); err != nil {
					errs <- fmt.Errorf("update %s: %w", key, err)
					return
				}
				found := false
				_ = db.View(func(tx *bbolt.Tx) error {
					found = tx.Bucket(testBucket).Get([]byte(key)) != nil
					return nil
				})
				if !found {
					errs <- fmt.Errorf("key %s not found right after its update returned", key)
				}
			}
		})
	}
	wg.Wait()
	close(errs)

	for err := range errs {
		t.Error(err)
	}
	if got := countKeys(t, db); got != writers*each {
		t.Errorf("the bucket has %d keys, want %d", got, writers*each)
	}
}

// A failing call gets its own error and leaves no write behind, while
// the calls grouped with it commit.
func TestCommitter_FailureStaysWithItsCall(t *testing.T) {
	db, c := openCommitter(t)
	errBad := errors.New("bad call")
	const writers = 16

	var wg sync.WaitGroup
	results := make([]error, writers)
	for w := range writers {
		wg.Go(func() {
			key := fmt.Sprintf("k%02d", w)
			results[w] = c.update(func(tx *bbolt.Tx) error {
				if err := putKey(key)(tx); err != nil {
					return err
				}
				if w%4 == 0 {
					return errBad
				}
				return nil
			})
		})
	}
	wg.Wait()

	for w, err := range results {
		if w%4 == 0 && !errors.Is(err, errBad) {
			t.Errorf("call %d: err = %v, want %v", w, err, errBad)
		}
		if w%4 != 0 && err != nil {
			t.Errorf("call %d: err = %v, want nil", w, err)
		}
	}
	if got, want := countKeys(t, db), writers-writers/4; got != want {
		t.Errorf("the bucket has %d keys, want %d: the failed calls' writes must roll back", got, want)
	}
}

// A panic in one call becomes that call's error.
func TestCommitter_PanicBecomesError(t *testing.T) {
	db, c := openCommitter(t)

	err := c.update(func(*bbolt.Tx) error { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v, want one that names the panic", err)
	}
	if err := c.update(putKey("after")); err != nil {
		t.Errorf("update after a panic: %v", err)
	}
	if got := countKeys(t, db); got != 1 {
		t.Errorf("the bucket has %d keys, want 1", got)
	}
}

// After close, update fails at once instead of waiting forever.
func TestCommitter_UpdateAfterClose(t *testing.T) {
	_, c := openCommitter(t)
	c.close()

	if err := c.update(putKey("late")); !errors.Is(err, errClosed) {
		t.Errorf("err = %v, want %v", err, errClosed)
	}
}
