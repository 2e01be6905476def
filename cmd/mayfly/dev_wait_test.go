package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/apitypes"
)

type queryResult struct {
	msgs []apitypes.MessageSummary
	err  error
}

// startQuery runs QueryMessages in the background and returns its result
// channel.
func startQuery(svc *devService, token string, q apitypes.MessageQuery) <-chan queryResult {
	done := make(chan queryResult, 1)
	go func() {
		msgs, err := svc.edgeClient().QueryMessages(context.Background(), token, q)
		done <- queryResult{msgs, err}
	}()
	return done
}

func TestDevWait_ReturnsWhenMailArrives(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	box := newInbox(t, svc, apitypes.CreateInbox{})

	done := startQuery(svc, box.Token, apitypes.MessageQuery{Wait: 30 * time.Second, Subject: "welcome"})
	select {
	case r := <-done:
		t.Fatalf("wait returned before any mail: %+v, %v", r.msgs, r.err)
	case <-time.After(500 * time.Millisecond):
	}

	sent := time.Now()
	if err := sendMail(t, svc.smtpAddr(), "s@sender.example.test", []string{box.Address}, simpleMessage(box.Address, "Welcome aboard", "Your code is 482913")); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("wait: %v", r.err)
		}
		if len(r.msgs) != 1 || r.msgs[0].Subject != "Welcome aboard" {
			t.Errorf("got %+v, want the one message sent", r.msgs)
		}
		if elapsed := time.Since(sent); elapsed > 5*time.Second {
			t.Errorf("got the message %s after sending, want it within 5s", elapsed)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("wait did not return 20s after the mail was sent")
	}
}

func TestDevWait_TimesOutEmpty(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	box := newInbox(t, svc, apitypes.CreateInbox{})
	if err := sendMail(t, svc.smtpAddr(), "s@sender.example.test", []string{box.Address}, simpleMessage(box.Address, "Newsletter", "nothing")); err != nil {
		t.Fatal(err)
	}
	waitForMessages(t, svc, box.Token, 1)

	start := time.Now()
	msgs, err := svc.edgeClient().QueryMessages(context.Background(), box.Token, apitypes.MessageQuery{Wait: time.Second, Subject: "code"})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	if msgs == nil || len(msgs) != 0 {
		t.Errorf("got %+v, want an empty list", msgs)
	}
	if elapsed < time.Second || elapsed > 5*time.Second {
		t.Errorf("wait took %s, want about 1s", elapsed)
	}
}

func TestDevWait_Filters(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	box := newInbox(t, svc, apitypes.CreateInbox{})
	first := []byte("From: Billing <billing@shop.example.test>\r\nSubject: Your Invoice 12\r\n\r\nInvoice attached.\r\n")
	second := []byte("From: Security <no-reply@auth.example.test>\r\nSubject: Sign-in code\r\n\r\nYour code is 550617.\r\n")
	for _, raw := range [][]byte{first, second} {
		if err := sendMail(t, svc.smtpAddr(), "s@sender.example.test", []string{box.Address}, raw); err != nil {
			t.Fatal(err)
		}
	}
	all := waitForMessages(t, svc, box.Token, 2)
	newest, oldest := all[0].ID, all[1].ID

	tests := []struct {
		name  string
		query apitypes.MessageQuery
		want  []string
	}{
		{"no filter", apitypes.MessageQuery{}, []string{newest, oldest}},
		{"subject ignores case", apitypes.MessageQuery{Subject: "INVOICE"}, []string{oldest}},
		{"from substring", apitypes.MessageQuery{From: "auth.EXAMPLE"}, []string{newest}},
		{"from and subject", apitypes.MessageQuery{From: "billing", Subject: "code"}, nil},
		{"after oldest", apitypes.MessageQuery{After: oldest}, []string{newest}},
		{"after newest", apitypes.MessageQuery{After: newest}, nil},
		{"after newest with wait", apitypes.MessageQuery{After: newest, Wait: 300 * time.Millisecond}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := svc.edgeClient().QueryMessages(context.Background(), box.Token, tt.query)
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			var got []string
			for _, m := range msgs {
				got = append(got, m.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDevWait_InvalidWaitGets400(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	box := newInbox(t, svc, apitypes.CreateInbox{})
	for _, wait := range []string{"61s", "2m", "-1s", "soon", "30"} {
		t.Run(wait, func(t *testing.T) {
			u := "http://" + svc.edge.HTTPAddr().String() + "/api/v1/inbox/messages?wait=" + url.QueryEscape(wait)
			req, err := http.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+box.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer resp.Body.Close()
			var body apitypes.Error
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("decode error body: %v", err)
			}
			if resp.StatusCode != http.StatusBadRequest || body.Code != "invalid_query" {
				t.Errorf("got %d %q, want 400 invalid_query", resp.StatusCode, body.Code)
			}
		})
	}
}

func TestDevWait_DetailHasCodesAndLinks(t *testing.T) {
	svc := startTestDev(t, testConfig(t))
	box := newInbox(t, svc, apitypes.CreateInbox{})
	raw := []byte("From: Konto <no-reply@example.test>\r\nSubject: Willkommen\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nIhr Bestätigungscode lautet: 731904\r\nHilfe: https://example.test/hilfe\r\n" +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Ihr Bestätigungscode lautet: <b>731904</b></p><a href=\"https://example.test/konto/bestaetigen?t=Zx81\">Konto bestätigen</a>\r\n--b--\r\n")
	if err := sendMail(t, svc.smtpAddr(), "s@sender.example.test", []string{box.Address}, raw); err != nil {
		t.Fatal(err)
	}
	id := waitForMessages(t, svc, box.Token, 1)[0].ID

	msg, err := svc.edgeClient().Message(context.Background(), box.Token, id)
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	if want := []apitypes.Code{{Value: "731904"}}; !slices.Equal(msg.Codes, want) {
		t.Errorf("got codes %+v, want %+v", msg.Codes, want)
	}
	want := []apitypes.Link{
		{URL: "https://example.test/hilfe"},
		{URL: "https://example.test/konto/bestaetigen?t=Zx81", Verification: true},
	}
	if !slices.Equal(msg.Links, want) {
		t.Errorf("got links %+v, want %+v", msg.Links, want)
	}
}
