package fsm

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func FuzzCanonicalDomain(f *testing.F) {
	for _, seed := range []string{"mayfly.test", "Mayfly.Test.", "a..b", "-a.b", "x.y-"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := CanonicalDomain(name)
		if err != nil {
			return
		}
		if len(got) > maxNameLength || strings.ToLower(got) != got || strings.HasSuffix(got, ".") {
			t.Fatalf("CanonicalDomain(%q): got %q, want at most %d lower-case characters without a trailing dot", name, got, maxNameLength)
		}
		again, err := CanonicalDomain(got)
		if err != nil || again != got {
			t.Fatalf("CanonicalDomain(%q): got %q, %v, want %q unchanged", got, again, err, got)
		}
	})
}

// FuzzDecodeCommand checks that no log entry makes the decoder or the
// stateless checks panic: Apply must panic only on purpose.
func FuzzDecodeCommand(f *testing.F) {
	f.Add([]byte(`{"v":1,"type":"add_domains","at":"2025-01-01T00:00:00Z","body":{"names":["a.test"],"region":"r"}}`))
	f.Add([]byte(`{"v":1,"type":"set_dns_settings","at":"2025-01-01T00:00:00Z","body":{"hostmaster":"@"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cmd, body, err := decodeCommand(data)
		if err != nil {
			return
		}
		_ = body.normalize()
		_ = Validate(cmd)
	})
}

func FuzzRestore(f *testing.F) {
	f.Add([]byte(`{"version":1,"state":{"index":3,"domains":{"a.test":{"name":"a.test"}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsm := New()
		if err := fsm.Restore(io.NopCloser(bytes.NewReader(data))); err != nil {
			return
		}
		s := fsm.State()
		if s.Domains == nil || s.Edges == nil {
			t.Fatalf("restored state: got nil maps, want empty maps")
		}
	})
}
