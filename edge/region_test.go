package edge

import (
	"net/http"
	"testing"
)

// An inbox made at an edge of one region is reached through an edge of
// another: mail sent to the other region's edge and API reads there are
// forwarded to the owner.
func TestTwoRegions_RouteToOwner(t *testing.T) {
	cp := startControlPlane(t)
	eastCfg := testEdgeConfig(cp)
	eastCfg.Region = "local"
	westCfg := testEdgeConfig(cp)
	westCfg.Region = "west"
	east := startEdge(t, eastCfg, "edge-east")
	west := startEdge(t, westCfg, "edge-west")
	west.waitKnows(t, east.ownCode())
	east.waitKnows(t, west.ownCode())

	addrs := &clientAddrs{}
	hc := addrs.httpClient()
	onEast := createInbox(t, hc, east)
	raw := testMessage(onEast.Address, "Subject-Marker-West", "Body-Marker-West")
	if code, msg := dialSMTP(t, west, addrs).deliver("sender@example.test", []string{onEast.Address}, raw); code != 250 {
		t.Fatalf("end of DATA at the other region's edge: got %d %s, want 250", code, msg)
	}
	for _, via := range []*testEdge{west, east} {
		readBack(t, hc, via, onEast.Token, "Subject-Marker-West", raw)
	}
	reply := call(t, hc, http.MethodGet, west.baseURL()+"/api/v1/inbox", onEast.Token, nil)
	if reply.status != http.StatusOK {
		t.Errorf("inbox through the other region: got %d, want 200", reply.status)
	}
}
