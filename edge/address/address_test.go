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
		{"quoted at in local part", `"a@b"@mayfly.test`, `"a@b"@mayfly.test`, ""},
		{"quoted space", `"First Last"@mayfly.test`, `"first last"@mayfly.test`, ""},
		{"needless quotes", `"Abc"@mayfly.test`, "abc@mayfly.test", ""},
		{"quoted escape", `"a\"b"@mayfly.test`, `"a\"b"@mayfly.test`, ""},
		{"quoted sub-address", `"a b+tag"@mayfly.test`, `"a b"@mayfly.test`, "tag"},
		{"only a tag", "+abc@mayfly.test", "+abc@mayfly.test", ""},
		{"utf-8 domain", "abc@BÜCHER.test", "abc@bücher.test", ""},
		{"address literal", "abc@[192.0.2.1]", "abc@[192.0.2.1]", ""},
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
	invalid := []string{
		"", "abc", "@mayfly.test", "abc@", "a b@mayfly.test", "a@b@mayfly.test",
		"dave.@mayfly.test", ".dave@mayfly.test", "da..ve@mayfly.test", `"abc@mayfly.test`,
		"abc@-mayfly.test", "abc@mayfly..test", "abc@mayfly_test", "abc@[]",
		"\"a\x01\"@mayfly.test", "ab\xffc@mayfly.test", "abc@mayfly.test extra",
	}
	for _, in := range invalid {
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

func TestParseForwardPath(t *testing.T) {
	cases := []struct {
		name, in      string
		local, domain string
		rest          string
	}{
		{"plain", "<bob@example.test>", "bob", "example.test", ""},
		{"parameters", "<bob@example.test> NOTIFY=NEVER", "bob", "example.test", " NOTIFY=NEVER"},
		{"no brackets", "bob@example.test", "bob", "example.test", ""},
		{"quoted space", `<"first last"@example.test>`, "first last", "example.test", ""},
		{"quoted at", `<"a@b"@example.test>`, "a@b", "example.test", ""},
		{"quoted bracket", `<"x> ORCPT=rfc822;admin@elsewhere.example.net"@example.test>`, "x> ORCPT=rfc822;admin@elsewhere.example.net", "example.test", ""},
		{"source route", "<@relay.example.net:carol@example.test>", "carol", "example.test", ""},
		{"two hop route", "<@a.example.net,@b.example.net:carol@example.test>", "carol", "example.test", ""},
		{"postmaster", "<Postmaster>", "Postmaster", "", ""},
		{"postmaster with domain", "<postmaster@example.test>", "postmaster", "example.test", ""},
		{"utf-8", "<zoë@example.test>", "zoë", "example.test", ""},
		{"long local part", "<" + strings.Repeat("a", 72) + "@example.test>", strings.Repeat("a", 72), "example.test", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, rest, err := ParseForwardPath(tc.in)
			if err != nil {
				t.Fatalf("ParseForwardPath(%q): %v", tc.in, err)
			}
			if m.Local != tc.local || m.Domain != tc.domain {
				t.Errorf("got %q at %q, want %q at %q", m.Local, m.Domain, tc.local, tc.domain)
			}
			if rest != tc.rest {
				t.Errorf("rest = %q, want %q", rest, tc.rest)
			}
		})
	}
}

func TestParseForwardPath_RejectsSyntax(t *testing.T) {
	invalid := []string{
		"<>",
		"<@relay.example.net carol@example.test>",
		"<@relay.example.net,carol@example.test>",
		"<@:carol@example.test>",
		"<@relay..example.net:carol@example.test>",
		"<dave.@example.test>",
		"<a@b@example.test>",
		"<bob@example.test",
		"<bob@example.test>junk",
		`<"unterminated@example.test>`,
	}
	for _, in := range invalid {
		if _, _, err := ParseForwardPath(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseForwardPath(%q) error = %v, want ErrSyntax", in, err)
		}
	}
}

func TestParseReversePath_NullPath(t *testing.T) {
	m, rest, err := ParseReversePath("<> SIZE=512")
	if err != nil {
		t.Fatalf("ParseReversePath(<>): %v", err)
	}
	if m != (Mailbox{}) {
		t.Errorf("mailbox = %+v, want the zero Mailbox", m)
	}
	if rest != " SIZE=512" {
		t.Errorf("rest = %q, want %q", rest, " SIZE=512")
	}
	if _, _, err := ParseReversePath("<postmaster>"); !errors.Is(err, ErrSyntax) {
		t.Errorf("ParseReversePath(<postmaster>) error = %v, want ErrSyntax", err)
	}
}

func TestMailbox_String(t *testing.T) {
	cases := []struct {
		m    Mailbox
		want string
	}{
		{Mailbox{"bob", "example.test"}, "bob@example.test"},
		{Mailbox{"first last", "example.test"}, `"first last"@example.test`},
		{Mailbox{"a@b", "example.test"}, `"a@b"@example.test`},
		{Mailbox{`say "hi"\`, "example.test"}, `"say \"hi\"\\"@example.test`},
		{Mailbox{"dave.", "example.test"}, `"dave."@example.test`},
		{Mailbox{"", "example.test"}, `""@example.test`},
	}
	for _, tc := range cases {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%+v.String() = %s, want %s", tc.m, got, tc.want)
		}
	}
}

func FuzzParseForwardPath(f *testing.F) {
	for _, s := range []string{
		"<bob@example.test>", `<"first last"@example.test>`, "<@r.example:c@example.test> X=1",
		"<postmaster>", `<"a\"b"@[192.0.2.1]>`, "<zoë@bücher.test.>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, _, err := ParseForwardPath(s)
		if err != nil || m.Domain == "" {
			return
		}
		again, rest, err := ParseForwardPath("<" + m.String() + ">")
		if err != nil || again != m || rest != "" {
			t.Errorf("canonical form does not parse back: %q → %q → %+v, %q (%v)", s, m.String(), again, rest, err)
		}
	})
}
