package store

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"go.etcd.io/bbolt"

	"github.com/mayfly-mail/mayfly/edge/seal"
)

// SealedPart is one part of a stored message as it is on disk, still under
// its epoch layer.
type SealedPart struct {
	MessageID []byte
	Epoch     int64
	Part      seal.EpochPart
	Index     uint32
	Sealed    []byte
}

// SealedParts returns every epoch-sealed part of the inbox's messages as
// stored: encapsulated keys, metadata and body chunks, from the database
// and from body files. It opens nothing, so an audit can check which keys
// still open what a disk holds.
func (s *Store) SealedParts(inboxID []byte) ([]SealedPart, error) {
	var parts []SealedPart
	var files []Message
	err := s.db.View(func(tx *bbolt.Tx) error {
		records, chunks := mailbox(tx, inboxID)
		if records == nil {
			return nil
		}
		return records.ForEach(func(id, record []byte) error {
			m, err := decodeMessage(id, record)
			if err != nil {
				return err
			}
			parts = append(parts,
				SealedPart{MessageID: m.ID, Epoch: m.Epoch, Part: seal.EpochPartEnc, Sealed: m.Enc},
				SealedPart{MessageID: m.ID, Epoch: m.Epoch, Part: seal.EpochPartMeta, Sealed: m.SealedMeta})
			if m.BodyInFile {
				files = append(files, m)
				return nil
			}
			c := chunks.Cursor()
			for k, v := c.Seek(m.ID); k != nil && bytes.HasPrefix(k, m.ID) && len(k) == len(m.ID)+4; k, v = c.Next() {
				index := uint32(k[len(m.ID)])<<24 | uint32(k[len(m.ID)+1])<<16 | uint32(k[len(m.ID)+2])<<8 | uint32(k[len(m.ID)+3])
				parts = append(parts, SealedPart{MessageID: m.ID, Epoch: m.Epoch, Part: seal.EpochPartChunk, Index: index, Sealed: bytes.Clone(v)})
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read sealed parts: %w", err)
	}
	for _, m := range files {
		fileParts, err := s.sealedFileParts(inboxID, m)
		if err != nil {
			return nil, fmt.Errorf("read sealed parts: %w", err)
		}
		parts = append(parts, fileParts...)
	}
	return parts, nil
}

func (s *Store) sealedFileParts(inboxID []byte, m Message) ([]SealedPart, error) {
	f, err := os.Open(s.bodies.filePath(inboxID, m.ID, m.Epoch))
	if err != nil {
		return nil, fmt.Errorf("open body file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read body file: %w", err)
	}
	var parts []SealedPart
	frames := data[1:]
	for index := uint32(0); len(frames) >= frameHeaderSize; index++ {
		n := int(frames[0])<<24 | int(frames[1])<<16 | int(frames[2])<<8 | int(frames[3])
		if n > len(frames)-frameHeaderSize {
			return nil, fmt.Errorf("read body file: %w: truncated frame", ErrCorruptRecord)
		}
		parts = append(parts, SealedPart{MessageID: m.ID, Epoch: m.Epoch, Part: seal.EpochPartChunk, Index: index, Sealed: frames[frameHeaderSize : frameHeaderSize+n]})
		frames = frames[frameHeaderSize+n:]
	}
	return parts, nil
}
