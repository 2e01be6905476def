package config

import "log/slog"

// Secret is a credential read from the environment or a file. It prints
// and logs as a mask so that it never reaches output by accident.
type Secret string

// Reveal returns the secret's value, for the one place that uses it.
func (s Secret) Reveal() string { return string(s) }

// String masks the secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "********"
}

// LogValue masks the secret in structured logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText masks the secret when the configuration is printed.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
