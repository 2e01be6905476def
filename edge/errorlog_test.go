package edge

import (
	"log/slog"
	"strings"
	"testing"
)

func TestRedactingLogger_RemovesAddresses(t *testing.T) {
	cases := []struct{ name, line, secret string }{
		{"IPv4 with port", "http: TLS handshake error from 192.0.2.7:50123: EOF", "192.0.2.7"},
		{"IPv6 with port", "http: panic serving [2001:db8::7]:50123: boom", "2001:db8::7"},
		{"IPv4 alone", "http: Accept error: accept tcp 198.51.100.3: too many open files", "198.51.100.3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			buf := &lockedBuffer{}
			redactingLogger(slog.New(slog.NewTextHandler(buf, nil))).Print(tc.line)
			out := buf.String()
			if strings.Contains(out, tc.secret) {
				t.Errorf("got %q, want it without %s", out, tc.secret)
			}
			if !strings.Contains(out, "[address]") {
				t.Errorf("got %q, want the address replaced by [address]", out)
			}
		})
	}
}
