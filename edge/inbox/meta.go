package inbox

import (
	"encoding/json"
	"fmt"
	"time"
)

// metaVersion is the version of the sealed metadata encoding.
const metaVersion = 1

// sealedMeta is the JSON that each message's metadata key seals: what a
// listing shows and the envelope, none of which is stored in plaintext.
type sealedMeta struct {
	Version        int       `json:"v"`
	From           string    `json:"from"`
	EnvelopeFrom   string    `json:"envelope_from"`
	Recipient      string    `json:"recipient"`
	Subject        string    `json:"subject"`
	Date           time.Time `json:"date"`
	ReceivedAt     time.Time `json:"received_at"`
	Size           int64     `json:"size"`
	HasAttachments bool      `json:"has_attachments"`
}

func encodeMeta(m sealedMeta) ([]byte, error) {
	m.Version = metaVersion
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode message metadata: %w", err)
	}
	return data, nil
}

func decodeMeta(data []byte) (sealedMeta, error) {
	var m sealedMeta
	if err := json.Unmarshal(data, &m); err != nil {
		return sealedMeta{}, fmt.Errorf("decode message metadata: %w", err)
	}
	if m.Version != metaVersion {
		return sealedMeta{}, fmt.Errorf("decode message metadata: version %d, want %d", m.Version, metaVersion)
	}
	return m, nil
}
