package fsm

import (
	"errors"
	"strings"
	"testing"
)

func TestCanonicalDomain_Accepts(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"lower case", "mayfly.test", "mayfly.test"},
		{"upper case", "Mayfly.TEST", "mayfly.test"},
		{"trailing dot", "mayfly.test.", "mayfly.test"},
		{"hyphen inside", "may-fly.test", "may-fly.test"},
		{"digits", "123.example", "123.example"},
		{"63-character label", strings.Repeat("a", 63) + ".test", strings.Repeat("a", 63) + ".test"},
		{"253 characters", longName(253), longName(253)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalDomain(tt.in)
			if err != nil {
				t.Fatalf("CanonicalDomain(%q): got error %v, want none", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("CanonicalDomain(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalDomain_Rejects(t *testing.T) {
	tests := []struct {
		name, in, wantInMessage string
	}{
		{"empty", "", "missing"},
		{"only a dot", ".", "missing"},
		{"one label", "localhost", "at least 2 labels"},
		{"empty label", "mayfly..test", "is empty"},
		{"leading dot", ".mayfly.test", "is empty"},
		{"underscore", "may_fly.test", "a-z, 0-9"},
		{"space", "may fly.test", "a-z, 0-9"},
		{"unicode", "mäyfly.test", "a-z, 0-9"},
		{"leading hyphen", "-mayfly.test", "start or end"},
		{"trailing hyphen", "mayfly-.test", "start or end"},
		{"64-character label", strings.Repeat("a", 64) + ".test", "longer than 63"},
		{"254 characters", longName(254), "longer than 253"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CanonicalDomain(tt.in)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("CanonicalDomain(%q): got error %v, want ErrInvalid", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.wantInMessage) {
				t.Errorf("CanonicalDomain(%q): got message %q, want it to contain %q", tt.in, err, tt.wantInMessage)
			}
		})
	}
}

// longName returns a valid domain name of exactly n characters.
func longName(n int) string {
	var b strings.Builder
	for b.Len() < n {
		label := min(63, n-b.Len())
		if b.Len() > 0 {
			b.WriteByte('.')
			label = min(63, n-b.Len())
		}
		b.WriteString(strings.Repeat("a", label))
	}
	return b.String()
}

func TestValidateRegion(t *testing.T) {
	tests := []struct {
		name    string
		region  string
		wantErr bool
	}{
		{"simple", "local", false},
		{"hyphen and digits", "eu-west-1", false},
		{"32 characters", strings.Repeat("r", 32), false},
		{"empty", "", true},
		{"33 characters", strings.Repeat("r", 33), true},
		{"upper case", "EU", true},
		{"dot", "eu.west", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateRegion(tt.region)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("ValidateRegion(%q): got error %v, want error %v", tt.region, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("ValidateRegion(%q): got %v, want ErrInvalid", tt.region, err)
			}
		})
	}
}

func TestRegisterEdge_Validation(t *testing.T) {
	valid := func() *RegisterEdge { return edgeRegistration("edge-1", "local", "127.0.0.1") }
	tests := []struct {
		name   string
		change func(*RegisterEdge)
		want   string
	}{
		{"missing id", func(r *RegisterEdge) { r.ID = "" }, "edge id is missing"},
		{"id with slash", func(r *RegisterEdge) { r.ID = "a/b" }, "invalid edge id"},
		{"bad region", func(r *RegisterEdge) { r.Region = "EU" }, "invalid region"},
		{"bad MX host", func(r *RegisterEdge) { r.MXHost = "mx_1.example" }, "invalid MX host"},
		{"no addresses", func(r *RegisterEdge) { r.Addrs = nil }, "at least one IP address"},
		{"bad address", func(r *RegisterEdge) { r.Addrs = []string{"mx.example"} }, "invalid edge address"},
		{"relative URL", func(r *RegisterEdge) { r.InternalURL = "/internal" }, "invalid internal URL"},
		{"ftp URL", func(r *RegisterEdge) { r.InternalURL = "ftp://edge" }, "invalid internal URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.change(r)
			err := r.normalize()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("normalize: got %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

func TestRegisterEdge_NormalizesAddresses(t *testing.T) {
	r := edgeRegistration("edge-1", "local", "2001:DB8::1", "192.0.2.1", "::ffff:192.0.2.1", "192.0.2.1")
	r.MXHost = "MX.Example."
	if err := r.normalize(); err != nil {
		t.Fatalf("normalize: got error %v, want none", err)
	}
	if got, want := strings.Join(r.Addrs, ","), "192.0.2.1,2001:db8::1"; got != want {
		t.Errorf("addrs: got %s, want %s", got, want)
	}
	if got, want := r.MXHost, "mx.example"; got != want {
		t.Errorf("MX host: got %s, want %s", got, want)
	}
}

func TestSetDNSSettings_Validation(t *testing.T) {
	tests := []struct {
		name   string
		change func(*SetDNSSettings)
		want   string
	}{
		{"bad zone", func(s *SetDNSSettings) { s.OpsZone = "ops" }, "operations zone"},
		{"no name servers", func(s *SetDNSSettings) { s.NameServers = nil }, "no name servers"},
		{"name server without address", func(s *SetDNSSettings) { s.NameServers[0].Addrs = nil }, "address of name server"},
		{"hostmaster without @", func(s *SetDNSSettings) { s.Hostmaster = "hostmaster.example.org" }, "invalid hostmaster"},
		{"hostmaster bad domain", func(s *SetDNSSettings) { s.Hostmaster = "h@example" }, "invalid hostmaster"},
		{"zero ttl", func(s *SetDNSSettings) { s.TTL = 0 }, "invalid ttl 0"},
		{"huge expire", func(s *SetDNSSettings) { s.Expire = 1 << 31 }, "invalid expire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := dnsSettings(300)
			tt.change(s)
			err := s.normalize()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("normalize: got %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}
