package dnsserver

import (
	"fmt"
	"strings"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// The fixture: pool domains in three regions, edges with MX hosts inside
// and outside the operations zone, one draining edge and one unhealthy edge.
const (
	testOpsZone   = "mayfly-ops.test"
	testTTL       = 3600
	testNegative  = 300
	testOpsSerial = 7
	// bigEdges is the number of edges in region "big". Their MX answer is
	// larger than 512 octets and, with glue, smaller than 1232.
	bigEdges = 12
)

// bigMXHost returns the MX host of edge i of region "big". The long first
// label keeps compression from shrinking the answer below 512 octets.
func bigMXHost(i int) string {
	return fmt.Sprintf("edge-%02d-%s.mx.%s", i, strings.Repeat("x", 40), testOpsZone)
}

func testState() *state.State {
	st := state.New()
	st.Index = 1
	st.DNS = state.DNSSettings{
		OpsZone: testOpsZone,
		NameServers: []state.NameServer{
			{Host: "ns1." + testOpsZone, Addrs: []string{"192.0.2.53", "2001:db8::53"}},
			{Host: "ns2." + testOpsZone, Addrs: []string{"198.51.100.53"}},
		},
		Hostmaster:  "hostmaster@" + testOpsZone,
		TTL:         testTTL,
		NegativeTTL: testNegative,
		Refresh:     3600,
		Retry:       600,
		Expire:      86400,
		OpsSerial:   testOpsSerial,
	}

	addDomain(st, "mayfly.test", "local", state.Active, 2025010601)
	addDomain(st, "mayfly-mail.test", "local", state.Retiring, 5)
	addDomain(st, "old-mayfly.test", "local", state.Retired, 9)
	addDomain(st, "spare-mayfly.test", "local", state.Standby, 1)
	addDomain(st, "eu-mayfly.test", "eu", state.Active, 3)
	addDomain(st, "big-mayfly.test", "big", state.Active, 4)

	addEdge(st, state.Edge{ID: "local-1", Region: "local", MXHost: "a.mx." + testOpsZone, Addrs: []string{"192.0.2.25", "2001:db8::25"}})
	addEdge(st, state.Edge{ID: "local-2", Region: "local", MXHost: "b.mx." + testOpsZone, Addrs: []string{"192.0.2.26"}})
	// local-3 shares its MX host with local-2, so b.mx gets two addresses
	// but one MX record.
	addEdge(st, state.Edge{ID: "local-3", Region: "local", MXHost: "B.MX." + testOpsZone + ".", Addrs: []string{"192.0.2.27"}})
	addEdge(st, state.Edge{ID: "local-4", Region: "local", MXHost: "c.mx." + testOpsZone, Addrs: []string{"192.0.2.28"}, Draining: true})
	addEdge(st, state.Edge{ID: "local-5", Region: "local", MXHost: "e.mx." + testOpsZone, Addrs: []string{"192.0.2.31"}})
	unhealthy := st.Edges["local-5"]
	unhealthy.Healthy = false
	st.Edges["local-5"] = unhealthy
	addEdge(st, state.Edge{ID: "eu-1", Region: "eu", MXHost: "mx.eu.example.net", Addrs: []string{"203.0.113.25"}})
	for i := 1; i <= bigEdges; i++ {
		addEdge(st, state.Edge{
			ID:     fmt.Sprintf("big-%02d", i),
			Region: "big",
			MXHost: bigMXHost(i),
			Addrs:  []string{fmt.Sprintf("198.51.100.%d", i)},
		})
	}
	return st
}

func addDomain(st *state.State, name, region string, status state.DomainStatus, serial uint32) {
	now := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	st.Domains[name] = state.Domain{
		Name: name, Region: region, Status: status, Serial: serial,
		CreatedAt: now, UpdatedAt: now,
	}
}

// addEdge adds a healthy edge.
func addEdge(st *state.State, e state.Edge) {
	e.OwnerCode = e.ID
	e.Healthy = true
	st.Edges[e.ID] = e
}
