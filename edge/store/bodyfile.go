package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.etcd.io/bbolt"
)

// BodiesDirName is the directory, in the data directory, of the body files.
const BodiesDirName = "bodies"

// bodyFileVersion is the first byte of every body file.
const bodyFileVersion = 1

// frameHeaderSize is the size of the length before each chunk in a body
// file.
const frameHeaderSize = 4

// maxFrameSize bounds a chunk in a body file, far above the size of a
// sealed chunk, so that a damaged length cannot make a reader allocate
// gigabytes.
const maxFrameSize = 1 << 20

// bodyDir is the directory of the body files: one folder per inbox, named
// by the inbox id in hex, holding one file per message, named by the
// message id in hex, a dash and the decimal epoch of its epoch layer. The
// epoch in the name lets a body moved to a later epoch be written beside
// the old file before the commit that switches to it.
type bodyDir struct {
	path string
}

// openBodyDir creates dataDir/bodies if needed, and makes its entry durable.
func openBodyDir(dataDir string) (bodyDir, error) {
	b := bodyDir{path: filepath.Join(dataDir, BodiesDirName)}
	err := os.Mkdir(b.path, 0o700)
	if errors.Is(err, fs.ErrExist) {
		return b, nil
	}
	if err != nil {
		return bodyDir{}, fmt.Errorf("create body directory: %w", err)
	}
	if err := syncDir(dataDir); err != nil {
		return bodyDir{}, fmt.Errorf("create body directory: %w", err)
	}
	return b, nil
}

func (b bodyDir) inboxPath(inboxID []byte) string {
	return filepath.Join(b.path, hex.EncodeToString(inboxID))
}

func (b bodyDir) filePath(inboxID, messageID []byte, epoch int64) string {
	return filepath.Join(b.inboxPath(inboxID), bodyFileName(messageID, epoch))
}

func bodyFileName(messageID []byte, epoch int64) string {
	return hex.EncodeToString(messageID) + "-" + strconv.FormatInt(epoch, 10)
}

// parseBodyFileName returns the message id and epoch of a body file name.
func parseBodyFileName(name string) (messageID []byte, epoch int64, ok bool) {
	idHex, epochText, found := strings.Cut(name, "-")
	if !found {
		return nil, 0, false
	}
	messageID, err := hex.DecodeString(idHex)
	if err != nil {
		return nil, 0, false
	}
	epoch, err = strconv.ParseInt(epochText, 10, 64)
	return messageID, epoch, err == nil
}

// create creates the body file of a new message, and the inbox's folder
// if needed. The file starts with its version byte.
func (b bodyDir) create(inboxID, messageID []byte, epoch int64) (*os.File, error) {
	err := os.Mkdir(b.inboxPath(inboxID), 0o700)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create body folder: %w", err)
	}
	f, err := os.OpenFile(b.filePath(inboxID, messageID, epoch), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create body file: %w", err)
	}
	if _, err := f.Write([]byte{bodyFileVersion}); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("write body file: %w", err)
	}
	return f, nil
}

// putFrameLength writes the length of the sealed chunk after a frame's
// header into the header.
func putFrameLength(frame []byte) {
	binary.BigEndian.PutUint32(frame, uint32(len(frame)-frameHeaderSize))
}

// syncEntries makes the directory entries leading to a body file durable.
// Both folders are synced every time, because the writer that created the
// inbox's folder may not have committed yet.
func (b bodyDir) syncEntries(inboxID []byte) error {
	if err := syncDir(b.inboxPath(inboxID)); err != nil {
		return err
	}
	return syncDir(b.path)
}

// removeFile removes one body file. A file already gone is not an error.
func (b bodyDir) removeFile(inboxID, messageID []byte, epoch int64) error {
	err := os.Remove(b.filePath(inboxID, messageID, epoch))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove body file: %w", err)
	}
	return nil
}

// removeInbox removes the inbox's folder and every body file in it.
func (b bodyDir) removeInbox(inboxID []byte) error {
	if err := os.RemoveAll(b.inboxPath(inboxID)); err != nil {
		return fmt.Errorf("remove body folder: %w", err)
	}
	return nil
}

// removeOrphans removes whatever in the body directory no record refers
// to: the files of deliveries that were aborted or cut short by a crash,
// and the folders of deleted inboxes whose removal did not finish. It runs
// in Open, before any writer can create a file.
func (b bodyDir) removeOrphans(db *bbolt.DB) error {
	entries, err := os.ReadDir(b.path)
	if err != nil {
		return fmt.Errorf("read body directory: %w", err)
	}
	var errs []error
	for _, e := range entries {
		inboxID, err := hex.DecodeString(e.Name())
		live := err == nil && e.IsDir() && inboxExists(db, inboxID)
		if !live {
			errs = append(errs, os.RemoveAll(filepath.Join(b.path, e.Name())))
			continue
		}
		errs = append(errs, b.removeOrphanFiles(db, inboxID))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove leftover body files: %w", err)
	}
	return nil
}

func (b bodyDir) removeOrphanFiles(db *bbolt.DB, inboxID []byte) error {
	dir := b.inboxPath(inboxID)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		messageID, epoch, ok := parseBodyFileName(e.Name())
		if ok && e.Type().IsRegular() && bodyFileReferenced(db, inboxID, messageID, epoch) {
			continue
		}
		errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}

func inboxExists(db *bbolt.DB, inboxID []byte) bool {
	found := false
	_ = db.View(func(tx *bbolt.Tx) error {
		found = tx.Bucket(bucketInboxes).Get(inboxID) != nil
		return nil
	})
	return found
}

// bodyFileReferenced reports whether a message record puts its body in
// this file: the record's body is in a file, sealed under this epoch. A
// record that does not decode keeps its file, so that the damage stays
// visible to a reader instead of turning into a missing body.
func bodyFileReferenced(db *bbolt.DB, inboxID, messageID []byte, epoch int64) bool {
	referenced := false
	_ = db.View(func(tx *bbolt.Tx) error {
		m, err := getMessage(tx, inboxID, messageID)
		referenced = errors.Is(err, ErrCorruptRecord) || (err == nil && m.BodyInFile && m.Epoch == epoch)
		return nil
	})
	return referenced
}

// syncDir fsyncs a directory, which makes the entries created or removed in
// it durable.
func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	err = d.Sync()
	if closeErr := d.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", path, err)
	}
	return nil
}
