package edge

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/mayfly-mail/mayfly/edge/address"
	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

// TestTwoEdges_RouteToOwner runs a control plane and two edges of one
// region. Mail and API requests that reach edge B for an inbox of edge A
// end up at A, and fail the way the docs say once A is gone. Neither
// edge logs a client address, token, mail address or message content.
func TestTwoEdges_RouteToOwner(t *testing.T) {
	cp := startControlPlane(t)
	a := startEdge(t, testEdgeConfig(cp), "edge-a")
	b := startEdge(t, testEdgeConfig(cp), "edge-b")
	if a.ownCode() == b.ownCode() {
		t.Fatalf("both edges got owner code %q", a.ownCode())
	}
	a.waitKnows(t, b.ownCode())
	b.waitKnows(t, a.ownCode())

	addrs := &clientAddrs{}
	hc := addrs.httpClient()
	onA := createInbox(t, hc, a)
	onB := createInbox(t, hc, b)
	secrets := []string{onA.Token, onB.Token, onA.Address, onB.Address, localPart(onA.Address), localPart(onB.Address), "sender@example.test"}

	t.Run("mail to B for an inbox on A", func(t *testing.T) {
		raw := testMessage(onA.Address, "Subject-Marker-A1", "Body-Marker-A1")
		secrets = append(secrets, "Subject-Marker-A1", "Body-Marker-A1")
		if code, msg := dialSMTP(t, b, addrs).deliver("sender@example.test", []string{onA.Address}, raw); code != 250 {
			t.Fatalf("end of DATA: got %d %s, want 250", code, msg)
		}
		for _, via := range []*testEdge{b, a} {
			readBack(t, hc, via, onA.Token, "Subject-Marker-A1", raw)
		}
	})

	t.Run("one transaction for inboxes on A and B", func(t *testing.T) {
		raw := testMessage(onA.Address+", "+onB.Address, "Subject-Marker-AB", "Body-Marker-AB")
		secrets = append(secrets, "Subject-Marker-AB", "Body-Marker-AB")
		if code, msg := dialSMTP(t, b, addrs).deliver("sender@example.test", []string{onA.Address, onB.Address}, raw); code != 250 {
			t.Fatalf("end of DATA: got %d %s, want 250", code, msg)
		}
		for _, via := range []*testEdge{a, b} {
			readBack(t, hc, via, onA.Token, "Subject-Marker-AB", raw)
			readBack(t, hc, via, onB.Token, "Subject-Marker-AB", raw)
		}
	})

	t.Run("large message streams to the owner", func(t *testing.T) {
		body := strings.Repeat(strings.Repeat("0123456789abcdef", 4)+"\r\n", 80_000) // about 5 MiB
		raw := testMessage(onA.Address, "Subject-Marker-Large", body)
		if code, msg := dialSMTP(t, b, addrs).deliver("sender@example.test", []string{onA.Address}, raw); code != 250 {
			t.Fatalf("end of DATA: got %d %s, want 250", code, msg)
		}
		readBack(t, hc, a, onA.Token, "Subject-Marker-Large", raw)
	})

	t.Run("RCPT rejections at B", func(t *testing.T) {
		withoutInbox, err := address.NewRandom(a.ownCode())
		if err != nil {
			t.Fatal(err)
		}
		unknown, err := address.NewRandom(unusedCode(t, a.ownCode(), b.ownCode()))
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, rcpt string
			code       int
			enhanced   string
		}{
			{"no inbox with A's code", withoutInbox + "@" + testDomain, 550, "5.1.1"},
			{"code of no edge", unknown + "@" + testDomain, 550, "5.1.1"},
			{"domain outside the pool", withoutInbox + "@elsewhere.example", 550, "5.7.1"},
		}
		conn := dialSMTP(t, b, addrs)
		conn.expect("MAIL FROM:<sender@example.test>", 250)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				code, msg := conn.send("RCPT TO:<" + tc.rcpt + ">")
				if code != tc.code || !strings.HasPrefix(msg, tc.enhanced) {
					t.Errorf("got %d %s, want %d %s", code, msg, tc.code, tc.enhanced)
				}
			})
		}
	})

	t.Run("token with the code of no edge", func(t *testing.T) {
		forged := unusedCode(t, a.ownCode(), b.ownCode()) + onA.Token[2:]
		got := call(t, hc, http.MethodGet, b.baseURL()+"/api/v1/inbox", forged, nil)
		want := call(t, hc, http.MethodGet, b.baseURL()+"/api/v1/inbox", "not-a-token", nil)
		if got.status != http.StatusUnauthorized || !bytes.Equal(got.body, want.body) {
			t.Errorf("got %d %s, want 401 %s", got.status, got.body, want.body)
		}
	})

	// A transaction whose recipients B accepted while A was up.
	pending := dialSMTP(t, b, addrs)
	pending.expect("MAIL FROM:<sender@example.test>", 250)
	pending.expect("RCPT TO:<"+onA.Address+">", 250)
	pending.expect("RCPT TO:<"+onB.Address+">", 250)

	stopEdge(t, a.Node)

	t.Run("owner stops during a transaction", func(t *testing.T) {
		pending.expect("DATA", 354)
		code, msg := pending.data(testMessage(onA.Address, "Subject-Marker-Lost", "Body-Marker-Lost"))
		if code != 451 || !strings.HasPrefix(msg, "4.3.0") {
			t.Errorf("end of DATA: got %d %s, want 451 4.3.0", code, msg)
		}
		pending.expect("QUIT", 221)
	})

	t.Run("owner stopped", func(t *testing.T) {
		conn := dialSMTP(t, b, addrs)
		conn.expect("MAIL FROM:<sender@example.test>", 250)
		if code, msg := conn.send("RCPT TO:<" + onA.Address + ">"); code != 451 || !strings.HasPrefix(msg, "4.3.0") {
			t.Errorf("RCPT: got %d %s, want 451 4.3.0", code, msg)
		}

		reply := call(t, hc, http.MethodGet, b.baseURL()+"/api/v1/inbox/messages", onA.Token, nil)
		var body apitypes.Error
		if err := json.Unmarshal(reply.body, &body); err != nil {
			t.Fatalf("decode %s: %v", reply.body, err)
		}
		if reply.status != http.StatusServiceUnavailable || body.Code != "owner_unavailable" {
			t.Errorf("API: got %d %s, want 503 owner_unavailable", reply.status, reply.body)
		}
		// B's own inbox stays readable, without a copy of the message
		// whose transaction failed.
		if n := len(listMessages(t, hc, b, onB.Token)); n != 1 {
			t.Errorf("B's own inbox: got %d messages, want 1", n)
		}
	})

	stopEdge(t, b.Node)
	checkLogs(t, a.logs.String()+b.logs.String(), append(secrets, addrs.all()...))
}

// readBack checks through via's API that the token's inbox holds the
// message with subject, listed with the owner's metadata and stored whole.
func readBack(t *testing.T, hc *http.Client, via *testEdge, token, subject string, sent []byte) {
	t.Helper()
	var id string
	for _, m := range listMessages(t, hc, via, token) {
		if m.Subject == subject {
			id = m.ID
		}
	}
	if id == "" {
		t.Fatalf("via %s: no message with subject %q", via.opts.NodeID, subject)
	}
	raw := call(t, hc, http.MethodGet, via.baseURL()+"/api/v1/inbox/messages/"+id+"/raw", token, nil)
	if raw.status != http.StatusOK || !bytes.HasSuffix(raw.body, sent) {
		t.Errorf("via %s: raw reply %d with %d bytes, want 200 ending with the %d bytes sent", via.opts.NodeID, raw.status, len(raw.body), len(sent))
	}
	var msg apitypes.Message
	call(t, hc, http.MethodGet, via.baseURL()+"/api/v1/inbox/messages/"+id, token, nil).decode(t, &msg)
	if msg.Subject != subject {
		t.Errorf("via %s: got subject %q, want %q", via.opts.NodeID, msg.Subject, subject)
	}
}

// checkLogs fails for every secret that the logs contain. It first checks
// that the logs show forwarded traffic, without which the check proves
// nothing.
func checkLogs(t *testing.T, logs string, secrets []string) {
	t.Helper()
	if !strings.Contains(logs, "http request forwarded") {
		t.Fatalf("the logs show no forwarded request:\n%s", logs)
	}
	for _, secret := range secrets {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

func localPart(addr string) string {
	local, _, _ := strings.Cut(addr, "@")
	return local
}

// unusedCode returns an owner code not in used.
func unusedCode(t *testing.T, used ...string) string {
	t.Helper()
	for _, first := range address.Alphabet {
		for _, second := range address.Alphabet {
			if code := string(first) + string(second); !slices.Contains(used, code) {
				return code
			}
		}
	}
	t.Fatal("every owner code is in use")
	return ""
}
