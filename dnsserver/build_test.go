package dnsserver

import (
	"slices"
	"testing"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

func TestMailboxName(t *testing.T) {
	tests := []struct {
		name    string
		mailbox string
		want    string
	}{
		{name: "mailbox form", mailbox: "hostmaster@Mayfly-Ops.test", want: "hostmaster.mayfly-ops.test."},
		{name: "dot in local part escaped", mailbox: "dns.admin@mayfly-ops.test", want: `dns\.admin.mayfly-ops.test.`},
		{name: "already a domain name", mailbox: "hostmaster.mayfly-ops.test.", want: "hostmaster.mayfly-ops.test."},
		{name: "empty uses zone", mailbox: "", want: "hostmaster.mayfly.test."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mailboxName(tt.mailbox, "mayfly.test."); got != tt.want {
				t.Errorf("mailboxName(%q): got %q, want %q", tt.mailbox, got, tt.want)
			}
		})
	}
}

func TestBuildZoneSet_ServedZones(t *testing.T) {
	logger, _ := testLogger(t)
	zs := buildZoneSet(testState(), logger)

	want := []string{"mayfly.test.", "mayfly-mail.test.", "old-mayfly.test.", "eu-mayfly.test.", "big-mayfly.test.", "mayfly-ops.test."}
	if len(zs.zones) != len(want) {
		t.Errorf("zones: got %d, want %d", len(zs.zones), len(want))
	}
	for _, origin := range want {
		if zs.zones[origin] == nil {
			t.Errorf("zone %s: got none, want one", origin)
		}
	}
	if zs.zones["spare-mayfly.test."] != nil {
		t.Errorf("standby zone spare-mayfly.test.: got one, want none")
	}
}

func TestBuildZoneSet_SkipsInvalidInput(t *testing.T) {
	st := testState()
	addDomain(st, "bad..name.test", "local", state.Active, 1)
	addEdge(st, state.Edge{ID: "bad-addr", Region: "local", MXHost: "d.mx." + testOpsZone, Addrs: []string{"not-an-ip", "192.0.2.29", "::ffff:192.0.2.30"}})
	logger, _ := testLogger(t)
	zs := buildZoneSet(st, logger)

	if zs.find("bad..name.test.") != nil {
		t.Errorf("invalid domain: got a zone, want none")
	}
	got := recordStrings(zs.addresses("d.mx.mayfly-ops.test."))
	want := recordStrings(mustRRs(t,
		"d.mx.mayfly-ops.test. 3600 IN A 192.0.2.29",
		"d.mx.mayfly-ops.test. 3600 IN A 192.0.2.30",
	))
	if !slices.Equal(got, want) {
		t.Errorf("addresses: got %q, want %q", got, want)
	}
}

func TestBuildZoneSet_OpsZoneWinsClash(t *testing.T) {
	st := testState()
	addDomain(st, testOpsZone, "local", state.Active, 1)
	logger, _ := testLogger(t)
	zs := buildZoneSet(st, logger)

	z := zs.find("ns1.mayfly-ops.test.")
	if z == nil {
		t.Fatalf("zone of ns1: got none, want the operations zone")
	}
	if rrs, result := z.lookup("ns1.mayfly-ops.test.", dns.TypeA); result != found || len(rrs) != 1 {
		t.Errorf("A of ns1: got %d records (result %d), want 1", len(rrs), result)
	}
}

func TestBuildZoneSet_NoNameServers(t *testing.T) {
	st := testState()
	st.DNS.NameServers = nil
	logger, _ := testLogger(t)
	zs := buildZoneSet(st, logger)

	rrs, result := zs.find("mayfly.test.").lookup("mayfly.test.", dns.TypeSOA)
	if result != found {
		t.Fatalf("SOA: got result %d, want found", result)
	}
	if soa := rrs[0].(*dns.SOA); soa.Ns != "mayfly.test." {
		t.Errorf("SOA MNAME: got %q, want the apex %q", soa.Ns, "mayfly.test.")
	}
	if _, result := zs.find("mayfly.test.").lookup("mayfly.test.", dns.TypeNS); result != noData {
		t.Errorf("NS: got result %d, want noData", result)
	}
}

func TestZoneSet_FindLongestOrigin(t *testing.T) {
	st := testState()
	addDomain(st, "sub.mayfly.test", "local", state.Active, 1)
	logger, _ := testLogger(t)
	zs := buildZoneSet(st, logger)

	tests := []struct {
		name string
		want string // empty when no zone contains name
	}{
		{name: "mayfly.test.", want: "mayfly.test."},
		{name: "x.mayfly.test.", want: "mayfly.test."},
		{name: "sub.mayfly.test.", want: "sub.mayfly.test."},
		{name: "a.b.sub.mayfly.test.", want: "sub.mayfly.test."},
		{name: "test.", want: ""},
		{name: ".", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if z := zs.find(tt.name); z != nil {
				got = z.origin
			}
			if got != tt.want {
				t.Errorf("find(%q): got %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}
