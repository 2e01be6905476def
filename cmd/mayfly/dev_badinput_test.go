package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/config"
	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

func TestDev_CreateRejectsBadInput(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	url := "http://" + svc.edge.HTTPAddr().String() + "/api/v1/inboxes"

	cases := []struct {
		name, body, code string
		want             []string
	}{
		{"malformed JSON", `{"ttl": "1h"`, "invalid_request", []string{"invalid JSON"}},
		{"not an object", `["x"]`, "invalid_request", []string{"invalid JSON"}},
		{"unknown field", `{"lifetime": "1h"}`, "invalid_request", []string{"lifetime"}},
		{"unknown domain", `{"domain": "example.org"}`, "invalid_domain", []string{"example.org", "mayfly.test", "mayfly-mail.test"}},
		{"ttl over maximum", `{"ttl": "200h"}`, "invalid_ttl", []string{"200h", "168h"}},
		{"ttl not a duration", `{"ttl": "soon"}`, "invalid_ttl", []string{"soon", "10m"}},
		{"bad prefix", `{"prefix": "no spaces"}`, "invalid_prefix", []string{"no spaces", "a-z"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(url, "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body := readAllString(t, resp.Body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status = %d, want 400 (body %s)", resp.StatusCode, body)
			}
			if !strings.Contains(body, `"code":"`+tc.code+`"`) {
				t.Errorf("body = %s, want code %s", body, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body = %s, want it to mention %q", body, w)
				}
			}
		})
	}
}

func TestDev_SMTPRejectsBadInput(t *testing.T) {
	cfg := testConfig(t)
	cfg.Edge.MaxMessageSize = 64 * config.KiB
	svc := startTestDev(t, cfg)
	bystander := newInbox(t, svc, apitypes.CreateInbox{})
	if err := sendMail(t, svc.smtpAddr(), "s@sender.example.test", []string{bystander.Address}, simpleMessage(bystander.Address, "kept", "untouched")); err != nil {
		t.Fatal(err)
	}
	target := newInbox(t, svc, apitypes.CreateInbox{})

	t.Run("oversize message", func(t *testing.T) {
		big := simpleMessage(target.Address, "too big", strings.Repeat("0123456789abcdef\r\n", 8<<10))
		err := sendMail(t, svc.smtpAddr(), "s@sender.example.test", []string{target.Address}, big)
		if err == nil || !strings.Contains(err.Error(), "552") {
			t.Errorf("oversize message: error %v, want 552", err)
		}
	})
	t.Run("SIZE over the limit", func(t *testing.T) {
		d := dialSMTP(t, svc.smtpAddr())
		d.expect("MAIL FROM:<s@sender.example.test> SIZE=1000000", 552)
	})
	t.Run("recipient syntax", func(t *testing.T) {
		d := dialSMTP(t, svc.smtpAddr())
		d.expect("MAIL FROM:<s@sender.example.test>", 250)
		for _, rcpt := range []string{"RCPT TO:<no-at-sign>", "RCPT TO:<a b@mayfly.test>", "RCPT TO:<>", "RCPT TO:<@relay.example.net bad@mayfly.test>"} {
			if code, msg := d.send(rcpt); code != 501 {
				t.Errorf("%s = %d %s, want 501", rcpt, code, msg)
			}
		}
	})
	t.Run("sender syntax", func(t *testing.T) {
		d := dialSMTP(t, svc.smtpAddr())
		for _, from := range []string{"<a@@b>", "<a..b@example.org>", "<a.@example.org>", "<a@example..org>"} {
			if code, msg := d.send("MAIL FROM:" + from); code != 501 || !strings.HasPrefix(msg, "5.1.7") {
				t.Errorf("MAIL FROM:%s = %d %s, want 501 5.1.7", from, code, msg)
			}
		}
		d.expect("MAIL FROM:<>", 250)
	})
	t.Run("unknown mailbox and foreign domain", func(t *testing.T) {
		d := dialSMTP(t, svc.smtpAddr())
		d.expect("MAIL FROM:<s@sender.example.test>", 250)
		if msg := d.expect("RCPT TO:<nobody@mayfly.test>", 550); !strings.HasPrefix(msg, "5.1.1") {
			t.Errorf("unknown mailbox = 550 %s, want 5.1.1", msg)
		}
		if msg := d.expect("RCPT TO:<someone@elsewhere.example.net>", 550); !strings.HasPrefix(msg, "5.7.1") {
			t.Errorf("foreign domain = 550 %s, want 5.7.1", msg)
		}
	})

	if msgs := waitForMessages(t, svc, target.Token, 0); len(msgs) != 0 {
		t.Errorf("target inbox holds %d messages after rejected input, want 0", len(msgs))
	}
	msgs := waitForMessages(t, svc, bystander.Token, 1)
	got, err := svc.edgeClient().Raw(context.Background(), bystander.Token, msgs[0].ID)
	if err != nil || !bytes.Contains(got, []byte("untouched")) || len(msgs) != 1 {
		t.Errorf("bystander inbox changed: %d messages, raw %q, %v", len(msgs), got, err)
	}
}

func TestDev_EHLOAdvertisesExtensions(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	d := dialSMTP(t, svc.smtpAddr())
	msg := d.expect("EHLO again.example.test", 250)
	for _, ext := range []string{"PIPELINING", "SIZE 26214400", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING"} {
		if !strings.Contains(msg, ext) {
			t.Errorf("EHLO reply lacks %s:\n%s", ext, msg)
		}
	}
	if strings.Contains(msg, "AUTH") {
		t.Errorf("EHLO reply offers AUTH on an inbound MX:\n%s", msg)
	}
}

func TestDev_BusyPortFailsCleanly(t *testing.T) {
	first := startTestDev(t, testConfig(t))
	cfg := testConfig(t)
	cfg.DataDir = ""
	cfg.Edge.SMTPListen = first.smtpAddr()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	_, err := startDev(context.Background(), cfg, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err == nil || !strings.Contains(err.Error(), first.smtpAddr()) {
		t.Fatalf("start on a busy port: error %v, want one naming %s", err, first.smtpAddr())
	}
	left, _ := os.ReadDir(tmp)
	if len(left) != 0 {
		t.Errorf("temporary directory left behind: %v", left)
	}
}

func TestDev_ExtendNeverShortensAndIsCapped(t *testing.T) {
	cfg := testConfig(t)
	cfg.Edge.MaxTTL = 2 * time.Hour
	svc := startTestDev(t, cfg)
	ctx := context.Background()
	c := svc.edgeClient()
	inbox := newInbox(t, svc, apitypes.CreateInbox{TTL: "1h"})

	shorter, err := c.Extend(ctx, inbox.Token, time.Minute)
	if err != nil || !shorter.Equal(inbox.ExpiresAt) {
		t.Errorf("extend by 1m = %v, %v; want the unchanged expiry %v", shorter, err, inbox.ExpiresAt)
	}
	longer, err := c.Extend(ctx, inbox.Token, 90*time.Minute)
	if err != nil || !longer.After(inbox.ExpiresAt) {
		t.Errorf("extend by 90m = %v, %v; want later than %v", longer, err, inbox.ExpiresAt)
	}
	capped, err := c.Extend(ctx, inbox.Token, 24*time.Hour)
	if err != nil || capped.After(inbox.ExpiresAt.Add(time.Hour+time.Second)) {
		t.Errorf("extend by 24h = %v, %v; want at most 2h after creation", capped, err)
	}
	info, err := c.Inbox(ctx, inbox.Token)
	if err != nil || !info.ExpiresAt.Equal(capped) {
		t.Errorf("inbox expiry = %v, %v; want %v", info.ExpiresAt, err, capped)
	}
}

func TestDev_WrongJSONTypeNamesField(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	resp, err := http.Post("http://"+svc.edge.HTTPAddr().String()+"/api/v1/inboxes", "application/json", strings.NewReader(`{"ttl": 600}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := readAllString(t, resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `field \"ttl\" must be a string`) {
		t.Errorf("numeric ttl: %d %s, want 400 naming the field", resp.StatusCode, body)
	}
}
