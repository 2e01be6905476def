package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mayfly.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad_DefaultsAreValid(t *testing.T) {
	cfg, err := Load(Source{})
	if err != nil {
		t.Fatalf("Load with defaults: %v", err)
	}
	if cfg.Edge.SMTPListen != "127.0.0.1:2525" || cfg.Edge.DefaultTTL != 10*time.Minute || cfg.Edge.MaxTTL != 168*time.Hour {
		t.Errorf("defaults = %+v, want the dev defaults", cfg.Edge)
	}
}

func TestLoad_Precedence(t *testing.T) {
	file := writeFile(t, "edge:\n  smtp_listen: 127.0.0.1:3000\n  http_listen: 127.0.0.1:3001\n  max_message_size: 1MiB\n  default_ttl: 30m\n")
	t.Setenv("MAYFLY_EDGE_HTTP_LISTEN", "127.0.0.1:4001")
	t.Setenv("MAYFLY_EDGE_REGION", "eu-west")

	flags := pflag.NewFlagSet("test", pflag.ContinueOnError)
	flags.String("region", "", "")
	if err := flags.Parse([]string{"--region", "us-east"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Source{File: file, Flags: flags, FlagKeys: map[string]string{"region": "edge.region"}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	checks := []struct{ name, got, want string }{
		{"file only", cfg.Edge.SMTPListen, "127.0.0.1:3000"},
		{"env over file", cfg.Edge.HTTPListen, "127.0.0.1:4001"},
		{"flag over env", cfg.Edge.Region, "us-east"},
		{"size with unit", cfg.Edge.MaxMessageSize.String(), "1MiB"},
		{"duration", cfg.Edge.DefaultTTL.String(), "30m0s"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestLoad_SecretsFromEnvironment(t *testing.T) {
	t.Setenv("MAYFLY_OPERATOR_TOKEN", "s3cret-operator")
	cfg, err := Load(Source{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OperatorToken.Reveal() != "s3cret-operator" {
		t.Errorf("operator token = %q, want the environment's", cfg.OperatorToken.Reveal())
	}
	out, err := cfg.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "s3cret-operator") {
		t.Errorf("printed configuration contains the secret:\n%s", out)
	}
	if !strings.Contains(out, "operator_token: '********'") {
		t.Errorf("printed configuration lacks the masked token:\n%s", out)
	}
}

func TestLoad_InvalidValuesNameKeyValueAndAllowed(t *testing.T) {
	cases := []struct {
		name, env, value string
		want             []string
	}{
		{"duration", "MAYFLY_EDGE_DEFAULT_TTL", "ten minutes", []string{"default_ttl", "ten minutes", "Go duration"}},
		{"size", "MAYFLY_EDGE_MAX_MESSAGE_SIZE", "25 elephants", []string{"max_message_size", "25 elephants", "KiB"}},
		{"ttl over max", "MAYFLY_EDGE_DEFAULT_TTL", "200h", []string{"edge.default_ttl", "200h", "want a duration from"}},
		{"listen", "MAYFLY_EDGE_SMTP_LISTEN", "localhost", []string{"edge.smtp_listen", "localhost", "host:port"}},
		{"region", "MAYFLY_EDGE_REGION", "EU West", []string{"edge.region", "EU West", "a-z"}},
		{"log level", "MAYFLY_LOG_LEVEL", "loud", []string{"log.level", "loud", "debug, info, warn or error"}},
		{"recipients", "MAYFLY_EDGE_MAX_RECIPIENTS", "0", []string{"edge.max_recipients", "0", "1 to 1000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			_, err := Load(Source{})
			if err == nil {
				t.Fatalf("Load with %s=%q succeeded, want an error", tc.env, tc.value)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestLoad_UnknownKeyInFile(t *testing.T) {
	file := writeFile(t, "edge:\n  smtp_lisen: 127.0.0.1:3000\n")
	_, err := Load(Source{File: file})
	if err == nil || !strings.Contains(err.Error(), "smtp_lisen") {
		t.Fatalf("Load with a misspelt key: error = %v, want one naming smtp_lisen", err)
	}
}

func TestLoad_MissingFile(t *testing.T) {
	_, err := Load(Source{File: filepath.Join(t.TempDir(), "absent.yaml")})
	if err == nil || !strings.Contains(err.Error(), "absent.yaml") {
		t.Fatalf("error = %v, want one naming the file", err)
	}
}

func TestValidate_ErrInvalid(t *testing.T) {
	cfg := Default()
	cfg.Edge.PublicAddr = []string{"not-an-ip"}
	if err := cfg.Validate(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Validate error = %v, want ErrInvalid", err)
	}
}

func TestParseByteSize(t *testing.T) {
	cases := []struct {
		in   string
		want ByteSize
		ok   bool
	}{
		{"1024", 1024, true},
		{"25MiB", 25 * MiB, true},
		{"10 MB", 10_000_000, true},
		{"2GiB", 2 * GiB, true},
		{"12B", 12, true},
		{"-1", 0, false},
		{"1.5MiB", 0, false},
		{"MiB", 0, false},
		{"", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestLoad_InvalidNumberAndBoolean(t *testing.T) {
	cases := []struct{ env, value, key, want string }{
		{"MAYFLY_EDGE_MAX_RECIPIENTS", "many", "edge.max_recipients", `invalid number "many": want a whole number`},
		{"MAYFLY_CONTROL_BOOTSTRAP", "perhaps", "control.bootstrap", `invalid boolean "perhaps": want true or false`},
	}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			_, err := Load(Source{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestUnknownEnvironment(t *testing.T) {
	env := []string{"MAYFLY_EDGE_SMTP_LITSEN=x", "MAYFLY_EDGE_SMTP_LISTEN=y", "MAYFLY_TOKEN=z", "HOME=/root", "MAYFLY_OPERATOR_TOKEN=t"}
	got := UnknownEnvironment(env)
	if len(got) != 1 || got[0] != "MAYFLY_EDGE_SMTP_LITSEN" {
		t.Errorf("UnknownEnvironment = %v, want [MAYFLY_EDGE_SMTP_LITSEN]", got)
	}
}

func TestLoad_EdgeTimeout(t *testing.T) {
	cases := []struct{ name, value, wantErr string }{
		{"default", "", ""},
		{"valid", "45s", ""},
		{"too short", "100ms", "control.edge_timeout"},
		{"too long", "2h", "control.edge_timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.value != "" {
				t.Setenv("MAYFLY_CONTROL_EDGE_TIMEOUT", tc.value)
			}
			cfg, err := Load(Source{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			want := 30 * time.Second
			if tc.value != "" {
				want, _ = time.ParseDuration(tc.value)
			}
			if cfg.Control.EdgeTimeout != want {
				t.Errorf("got edge timeout %s, want %s", cfg.Control.EdgeTimeout, want)
			}
		})
	}
}
