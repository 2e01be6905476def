package config

import (
	"fmt"
	"strconv"
	"strings"
)

// ByteSize is a size in bytes, written as a plain number of bytes or with a
// unit: 25MiB, 512KiB, 10MB.
type ByteSize int64

// Size units, binary and decimal.
const (
	KiB ByteSize = 1 << 10
	MiB ByteSize = 1 << 20
	GiB ByteSize = 1 << 30
)

var sizeUnits = []struct {
	suffix string
	factor ByteSize
}{
	{"KiB", KiB}, {"MiB", MiB}, {"GiB", GiB},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
	{"B", 1},
}

// ParseByteSize parses a size such as "25MiB", "1000000" or "10 MB".
func ParseByteSize(s string) (ByteSize, error) {
	text := strings.TrimSpace(s)
	factor := ByteSize(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(text, u.suffix) {
			text, factor = strings.TrimSpace(strings.TrimSuffix(text, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size %q: want a whole number of bytes, optionally with a unit (B, KiB, MiB, GiB, KB, MB, GB)", s)
	}
	return ByteSize(n) * factor, nil
}

// UnmarshalText implements encoding.TextUnmarshaler for configuration files
// and environment variables.
func (b *ByteSize) UnmarshalText(text []byte) error {
	v, err := ParseByteSize(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// String formats the size with the largest binary unit that divides it.
func (b ByteSize) String() string {
	for _, u := range []struct {
		suffix string
		factor ByteSize
	}{{"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB}} {
		if b != 0 && b%u.factor == 0 {
			return fmt.Sprintf("%d%s", b/u.factor, u.suffix)
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// MarshalText prints the size with its unit.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }
