package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

// clientSource is the distinctive loopback address the whole session
// below comes from.
const clientSource = "127.0.0.77"

// sourceClient is an HTTP client whose connections leave from clientSource.
func sourceClient() *http.Client {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(clientSource)}}
	return &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
}

func callAPI(t *testing.T, c *http.Client, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestDev_NoTraceOfClientAnywhere runs a whole inbox life from one
// distinctive client address and then searches every log line and every
// file of the data directory for that address, the token, the inbox
// address and a body marker.
func TestDev_NoTraceOfClientAnywhere(t *testing.T) {
	logs := &lockedBuffer{}
	cfg := testConfig(t)
	cfg.Edge.RateCreate, cfg.Edge.RateCreateBurst = 3, 3
	svc := startTestDevLogging(t, cfg, io.MultiWriter(logs, testWriter{t}))
	base := "http://" + svc.edge.HTTPAddr().String() + "/api/v1"
	c := sourceClient()

	code, body := callAPI(t, c, http.MethodPost, base+"/inboxes", "", `{"prefix": "tracecheck", "ttl": "1h"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var inbox apitypes.Created
	if err := json.Unmarshal(body, &inbox); err != nil {
		t.Fatal(err)
	}

	marker := "Body-Trace-Marker-5R8"
	smtpFromSource(t, svc.smtpAddr(), inbox.Address, simpleMessage(inbox.Address, "trace subject", marker))
	id := waitForMessages(t, svc, inbox.Token, 1)[0].ID

	steps := []struct {
		method, path, token, body string
		want                      int
	}{
		{http.MethodGet, "/inbox", inbox.Token, "", http.StatusOK},
		{http.MethodGet, "/inbox/messages", inbox.Token, "", http.StatusOK},
		{http.MethodGet, "/inbox/messages/" + id, inbox.Token, "", http.StatusOK},
		{http.MethodGet, "/inbox/messages/" + id + "/raw", inbox.Token, "", http.StatusOK},
		{http.MethodPost, "/inbox/extend", inbox.Token, `{"ttl": "2h"}`, http.StatusOK},
		{http.MethodGet, "/inbox", "not-a-token", "", http.StatusUnauthorized},
		{http.MethodGet, "/inbox", inbox.Token[:2] + strings.Repeat("x", len(inbox.Token)-2), "", http.StatusUnauthorized},
		{http.MethodDelete, "/inbox/messages/" + id, inbox.Token, "", http.StatusNoContent},
		{http.MethodDelete, "/inbox", inbox.Token, "", http.StatusNoContent},
		{http.MethodGet, "/inbox", inbox.Token, "", http.StatusUnauthorized},
	}
	for _, s := range steps {
		if code, body := callAPI(t, c, s.method, base+s.path, s.token, s.body); code != s.want {
			t.Errorf("%s %s: %d %s, want %d", s.method, s.path, code, body, s.want)
		}
	}
	limited := false
	for range 10 {
		if code, _ := callAPI(t, c, http.MethodPost, base+"/inboxes", "", ""); code == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Errorf("a burst of inbox creations was never rate-limited")
	}
	stopTestDev(t, svc)

	out := logs.String()
	if !strings.Contains(out, "message accepted") || !strings.Contains(out, "status=401") {
		t.Fatalf("the logs lack the delivery or the 401 lines, so the search below would prove nothing")
	}
	local := strings.SplitN(inbox.Address, "@", 2)[0]
	for _, secret := range []string{clientSource, inbox.Token, inbox.Address, local, "tracecheck", marker} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q", secret)
		}
		if path := findInFiles(t, cfg.DataDir, secret); path != "" {
			t.Errorf("%q found in %s", secret, path)
		}
	}
}

// smtpFromSource delivers raw from clientSource.
func smtpFromSource(t *testing.T, addr, to string, raw []byte) {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(clientSource)}}
	conn, err := dialer.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	d := &smtpDialogue{t: t, conn: textproto.NewConn(conn)}
	d.expect("", 220)
	d.expect("EHLO client.example.test", 250)
	d.expect("MAIL FROM:<trace@sender.example.test>", 250)
	d.expect("RCPT TO:<"+to+">", 250)
	d.expect("DATA", 354)
	w := d.conn.DotWriter()
	if _, err := w.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	d.expect("", 250)
	d.expect("QUIT", 221)
}
