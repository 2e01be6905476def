package address

import (
	"errors"
	"strings"
	"testing"
)

func TestParse_Normalises(t *testing.T) {
	cases := []struct {
		name, in, want, tag string
	}{
		{"plain", "abc@mayfly.test", "abc@mayfly.test", ""},
		{"upper case", "AbC@MayFly.TEST", "abc@mayfly.test", ""},
		{"trailing dot", "abc@mayfly.test.", "abc@mayfly.test", ""},
		{"sub-address", "abc+news@mayfly.test", "abc@mayfly.test", "news"},
		{"nfc", "jose\u0301@mayfly.test", "jos\u00e9@mayfly.test", ""},
		{"utf-8 upper", "ÜBER@mayfly.test", "über@mayfly.test", ""},
		{"at in local part", "a@b@mayfly.test", "a@b@mayfly.test", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, tag, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got.String() != tc.want || tag != tc.tag {
				t.Errorf("Parse(%q) = %q tag %q, want %q tag %q", tc.in, got, tag, tc.want, tc.tag)
			}
		})
	}
}

func TestParse_RejectsSyntax(t *testing.T) {
	for _, in := range []string{"", "abc", "@mayfly.test", "abc@", "a b@mayfly.test", `"a"@mayfly.test`} {
		if _, _, err := Parse(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) error = %v, want ErrSyntax", in, err)
		}
	}
}

func TestNewRandom_CarriesOwnerCode(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		local, err := NewRandom("k3")
		if err != nil {
			t.Fatal(err)
		}
		if len(local) != RandomLength {
			t.Fatalf("len(%q) = %d, want %d", local, len(local), RandomLength)
		}
		if code, ok := OwnerCode(local); !ok || code != "k3" {
			t.Fatalf("OwnerCode(%q) = %q, %v; want k3, true", local, code, ok)
		}
		if seen[local] {
			t.Fatalf("local part %q issued twice", local)
		}
		seen[local] = true
	}
}

func TestNewCustom_PrefixAndTag(t *testing.T) {
	local, err := NewCustom("Alice.Smith", "x9")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(local, "alice.smith.") || len(local) != len("alice.smith.")+TagLength {
		t.Errorf("NewCustom = %q, want alice.smith. and a %d-character tag", local, TagLength)
	}
	if code, ok := OwnerCode(local); !ok || code != "x9" {
		t.Errorf("OwnerCode(%q) = %q, %v; want x9, true", local, code, ok)
	}
}

func TestCheckPrefix(t *testing.T) {
	cases := []struct {
		prefix string
		ok     bool
	}{
		{"alice", true},
		{"a.b_c-d", true},
		{strings.Repeat("a", 32), true},
		{"", false},
		{strings.Repeat("a", 33), false},
		{".alice", false},
		{"alice.", false},
		{"a..b", false},
		{"al ice", false},
		{"alice+x", false},
		{"ålice", false},
	}
	for _, tc := range cases {
		err := CheckPrefix(tc.prefix)
		if (err == nil) != tc.ok {
			t.Errorf("CheckPrefix(%q) = %v, want ok=%v", tc.prefix, err, tc.ok)
		}
	}
}

func TestNewRandom_RejectsBadCode(t *testing.T) {
	for _, code := range []string{"", "a", "abc", "l1", "A2"} {
		if _, err := NewRandom(code); err == nil {
			t.Errorf("NewRandom(%q) succeeded, want an error", code)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"abc@mayfly.test", "a+b@c", "@", "ÄÖ@x.y", "a@b@c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addr, _, err := Parse(s)
		if err != nil {
			return
		}
		again, _, err := Parse(addr.String())
		if err != nil || again != addr {
			t.Errorf("Parse is not idempotent: %q → %q → %q (%v)", s, addr, again, err)
		}
	})
}
