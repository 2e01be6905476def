package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
	"github.com/mayfly-mail/mayfly/edge/client"
)

func TestDev_InboxIsolation(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	ctx := context.Background()
	a := newInbox(t, svc, apitypes.CreateInbox{})
	b := newInbox(t, svc, apitypes.CreateInbox{})
	if err := sendMail(t, svc.smtpAddr(), "s@sender.example.test", []string{a.Address}, simpleMessage(a.Address, "for A", "secret of A")); err != nil {
		t.Fatal(err)
	}
	msgA := waitForMessages(t, svc, a.Token, 1)[0]

	c := svc.edgeClient()
	if msgs, err := c.Messages(ctx, b.Token); err != nil || len(msgs) != 0 {
		t.Errorf("B lists %d messages (%v), want 0", len(msgs), err)
	}
	var apiErr *client.APIError
	if _, err := c.Message(ctx, b.Token, msgA.ID); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("B reads A's message: error %v, want 404", err)
	}
	if _, err := c.Raw(ctx, b.Token, msgA.ID); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("B reads A's raw message: error %v, want 404", err)
	}
	if err := c.DeleteMessage(ctx, b.Token, msgA.ID); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound {
		t.Errorf("B deletes A's message: error %v, want 404", err)
	}
	if msgs := waitForMessages(t, svc, a.Token, 1); msgs[0].ID != msgA.ID {
		t.Errorf("A's message changed after B's attempts")
	}
}

func TestDev_BadTokensGetSame401(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	base := "http://" + svc.edge.HTTPAddr().String()
	valid := newInbox(t, svc, apitypes.CreateInbox{})

	cases := map[string]string{
		"missing":   "",
		"malformed": "Bearer not-a-token",
		"unknown":   "Bearer " + valid.Token[:2] + strings.Repeat("A", len(valid.Token)-2),
		"no scheme": valid.Token,
		"basic":     "Basic " + valid.Token,
	}
	var bodies []string
	for name, header := range cases {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/inbox/messages", nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", resp.StatusCode)
			}
			bodies = append(bodies, readAllString(t, resp.Body))
		})
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("401 bodies differ: %q and %q", b, bodies[0])
		}
	}
}

// TestDev_NoPlaintextOnDisk delivers a message with a unique marker and
// searches every file of the data directory for it.
func TestDev_NoPlaintextOnDisk(t *testing.T) {
	cfg := testConfig(t)
	svc := startTestDev(t, cfg)
	inbox := newInbox(t, svc, apitypes.CreateInbox{})
	marker := "MARKER-" + strings.ToUpper(strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", ""))

	raw := simpleMessage(inbox.Address, "subject "+marker, "body "+marker)
	if err := sendMail(t, svc.smtpAddr(), "s@sender.example.test", []string{inbox.Address}, raw); err != nil {
		t.Fatal(err)
	}
	msg := waitForMessages(t, svc, inbox.Token, 1)[0]
	if !strings.Contains(msg.Subject, marker) {
		t.Fatalf("subject = %q, want the marker", msg.Subject)
	}
	stopTestDev(t, svc)

	local := strings.SplitN(inbox.Address, "@", 2)[0]
	for _, needle := range []string{marker, local, inbox.Token} {
		if path := findInFiles(t, cfg.DataDir, needle); path != "" {
			t.Errorf("%q found in plaintext in %s", needle, path)
		}
	}
}

// findInFiles returns the first file under dir that contains needle.
func findInFiles(t *testing.T, dir, needle string) string {
	t.Helper()
	var found string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != "" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), needle) {
			found = path
		}
		return nil
	})
	if err != nil {
		t.Fatalf("search %s: %v", dir, err)
	}
	return found
}

func TestDev_Expiry(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	ctx := context.Background()
	inbox := newInbox(t, svc, apitypes.CreateInbox{TTL: "2s"})
	if err := sendMail(t, svc.smtpAddr(), "s@sender.example.test", []string{inbox.Address}, simpleMessage(inbox.Address, "before expiry", "x")); err != nil {
		t.Fatal(err)
	}
	waitForMessages(t, svc, inbox.Token, 1)

	waitUntil(t, inbox.ExpiresAt.Add(5*time.Second), "the token to stop working", func() bool {
		_, err := svc.edgeClient().Inbox(ctx, inbox.Token)
		return client.IsUnauthorized(err)
	})
	if time.Now().Before(inbox.ExpiresAt) {
		t.Errorf("token stopped working before its expiry")
	}
	d := dialSMTP(t, svc.smtpAddr())
	d.expect("MAIL FROM:<s@sender.example.test>", 250)
	if msg := d.expect("RCPT TO:<"+inbox.Address+">", 550); !strings.HasPrefix(msg, "5.1.1") {
		t.Errorf("RCPT after expiry = 550 %s, want 5.1.1", msg)
	}

	waitUntil(t, time.Now().Add(10*time.Second), "the sweeper to remove the inbox records", func() bool {
		n, err := svc.edge.Inboxes().Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}

func TestDev_RestartKeepsInboxes(t *testing.T) {
	cfg := testConfig(t)
	svc := startTestDev(t, cfg)
	inbox := newInbox(t, svc, apitypes.CreateInbox{TTL: "1h"})
	if err := sendMail(t, svc.smtpAddr(), "s@sender.example.test", []string{inbox.Address}, simpleMessage(inbox.Address, "survives restart", "kept")); err != nil {
		t.Fatal(err)
	}
	waitForMessages(t, svc, inbox.Token, 1)
	stopTestDev(t, svc)

	again := startTestDev(t, cfg)
	msgs := waitForMessages(t, again, inbox.Token, 1)
	msg, err := again.edgeClient().Message(context.Background(), inbox.Token, msgs[0].ID)
	if err != nil {
		t.Fatalf("read after restart: %v", err)
	}
	if msg.Subject != "survives restart" || !strings.Contains(msg.Text, "kept") {
		t.Errorf("message after restart = %q / %q, want the one sent", msg.Subject, msg.Text)
	}
	domains, err := again.edgeClient().Domains(context.Background())
	if err != nil || len(domains) != 2 {
		t.Errorf("domains after restart = %v (%v), want the two seeded", domains, err)
	}
}

func TestDev_KeptDataDirKeepsOperatorToken(t *testing.T) {
	cfg := testConfig(t)
	cfg.OperatorToken = ""
	first := startTestDev(t, cfg)
	token := first.operatorToken
	stopTestDev(t, first)

	again := startTestDev(t, cfg)
	if again.operatorToken != token || token == "" {
		t.Errorf("operator token after restart = %q, want the first run's %q", again.operatorToken, token)
	}
}
