package inbox_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/seal"
)

func TestService_RoundTrip(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	address := uniqueAddress(t)
	created := h.create(address, 0)
	if created.Address != address {
		t.Errorf("got address %q, want %q", created.Address, address)
	}
	if want := testStart.Add(10 * time.Minute); !created.ExpiresAt.Equal(want) {
		t.Errorf("got expiry %v, want %v (the default TTL)", created.ExpiresAt, want)
	}

	bodies := map[string][]byte{
		"small":        []byte("Subject: hi\r\n\r\nhello\r\n"),
		"three chunks": randomBody(t, 2*seal.ChunkSize+17),
		"empty":        {},
	}
	var ids []string
	for _, subject := range []string{"small", "three chunks", "empty"} {
		ids = append(ids, h.deliver(address, subject, bodies[subject]))
		h.clock.Advance(time.Second)
	}

	a := h.authenticate(created.Token)
	list, err := a.Messages(ctx)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if len(list) != 3 {
		t.Fatalf("got %d messages, want 3", len(list))
	}
	for i, want := range []string{"empty", "three chunks", "small"} {
		if list[i].Subject != want {
			t.Errorf("message %d: got subject %q, want %q (newest first)", i, list[i].Subject, want)
		}
		if got := list[i].Size; got != int64(len(bodies[want])) {
			t.Errorf("message %d: got size %d, want %d", i, got, len(bodies[want]))
		}
	}
	first := list[2]
	if first.ID != ids[0] || first.From != "Sender <sender@sender.test>" || first.Recipient != address || first.Seen {
		t.Errorf("got summary %+v, want id %s, header From, the RCPT address and not seen", first, ids[0])
	}
	if !first.ReceivedAt.Equal(testStart) {
		t.Errorf("got received at %v, want %v", first.ReceivedAt, testStart)
	}

	for subject, body := range bodies {
		id := ids[map[string]int{"small": 0, "three chunks": 1, "empty": 2}[subject]]
		summary, raw, err := a.Message(ctx, id)
		if err != nil {
			t.Fatalf("Message(%s): %v", subject, err)
		}
		if !bytes.Equal(raw, body) {
			t.Errorf("%s: got %d raw bytes, want the %d delivered", subject, len(raw), len(body))
		}
		if summary.Subject != subject {
			t.Errorf("%s: got subject %q", subject, summary.Subject)
		}
	}

	if err := a.MarkSeen(ctx, ids[1]); err != nil {
		t.Fatalf("MarkSeen: %v", err)
	}
	summary, _, err := a.Message(ctx, ids[1])
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	if !summary.Seen {
		t.Errorf("got seen false after MarkSeen, want true")
	}

	if err := a.DeleteMessage(ctx, ids[0]); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if _, _, err := a.Message(ctx, ids[0]); !errors.Is(err, inbox.ErrMessageNotFound) {
		t.Errorf("Message after delete: got %v, want ErrMessageNotFound", err)
	}
	info, err := a.Info(ctx)
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if info.MessageCount != 2 || info.Address != address || info.ID != created.ID {
		t.Errorf("got info %+v, want 2 messages, address %q and id %s", info, address, created.ID)
	}

	if err := a.Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := h.svc.Authenticate(ctx, created.Token); !errors.Is(err, inbox.ErrUnauthorized) {
		t.Errorf("Authenticate after delete: got %v, want ErrUnauthorized", err)
	}
	if _, err := a.Messages(ctx); !errors.Is(err, inbox.ErrUnauthorized) {
		t.Errorf("Messages after delete: got %v, want ErrUnauthorized", err)
	}
	if ok, err := h.svc.Accepts(ctx, address); err != nil || ok {
		t.Errorf("Accepts after delete: got %v, %v, want false", ok, err)
	}
	if _, err := h.svc.Deliver(ctx, address, inbox.Envelope{}, inbox.MessageMeta{}, []byte("x")); !errors.Is(err, inbox.ErrNoInbox) {
		t.Errorf("Deliver after delete: got %v, want ErrNoInbox", err)
	}
}

func TestDeliver_EnvelopeFromWhenHeaderFromMissing(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	address := uniqueAddress(t)
	created := h.create(address, 0)
	env := inbox.Envelope{From: "bounce@sender.test", Recipient: "USER+tag@mayfly.test"}
	if _, err := h.svc.Deliver(ctx, address, env, inbox.MessageMeta{HasAttachments: true}, []byte("x")); err != nil {
		t.Fatalf("Deliver: %v", err)
	}

	list, err := h.authenticate(created.Token).Messages(ctx)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	got := list[0]
	if got.From != env.From || got.Recipient != env.Recipient || !got.HasAttachments {
		t.Errorf("got %+v, want envelope From, the RCPT recipient and attachments", got)
	}
	if !got.ReceivedAt.Equal(testStart) {
		t.Errorf("got received at %v, want the delivery time %v", got.ReceivedAt, testStart)
	}
}

func TestDeliver_UnknownAddress(t *testing.T) {
	h := newHarness(t)
	h.create(uniqueAddress(t), 0)
	_, err := h.svc.Deliver(context.Background(), uniqueAddress(t), inbox.Envelope{}, inbox.MessageMeta{}, []byte("x"))
	if !errors.Is(err, inbox.ErrNoInbox) {
		t.Errorf("got %v, want ErrNoInbox", err)
	}
}

func TestMessageIDs_ArrivalOrder(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	h.create(address, 0)

	var ids []string
	for range 5 {
		ids = append(ids, h.deliver(address, "s", []byte("x")))
		h.clock.Advance(time.Millisecond)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Errorf("id %d %q does not sort after %q", i, ids[i], ids[i-1])
		}
	}
	for _, id := range ids {
		if len(id) != 26 || strings.ToLower(id) != id {
			t.Errorf("got id %q, want 26 lower-case characters", id)
		}
	}
}

func TestAccess_IsolatedFromOtherInbox(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	addressA, addressB := uniqueAddress(t), uniqueAddress(t)
	h.create(addressA, 0)
	b := h.create(addressB, 0)
	idA := h.deliver(addressA, "for A", []byte("secret of A"))
	h.deliver(addressB, "for B", []byte("mail of B"))

	accessB := h.authenticate(b.Token)
	if _, _, err := accessB.Message(ctx, idA); !errors.Is(err, inbox.ErrMessageNotFound) {
		t.Errorf("Message: got %v, want ErrMessageNotFound", err)
	}
	if err := accessB.MarkSeen(ctx, idA); !errors.Is(err, inbox.ErrMessageNotFound) {
		t.Errorf("MarkSeen: got %v, want ErrMessageNotFound", err)
	}
	if err := accessB.DeleteMessage(ctx, idA); !errors.Is(err, inbox.ErrMessageNotFound) {
		t.Errorf("DeleteMessage: got %v, want ErrMessageNotFound", err)
	}
	list, err := accessB.Messages(ctx)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if len(list) != 1 || list[0].Subject != "for B" {
		t.Errorf("got %+v, want only B's message", list)
	}
}

func TestMessage_MalformedID(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, 0)
	id := h.deliver(address, "s", []byte("x"))
	a := h.authenticate(created.Token)

	lastIndex := strings.IndexByte("0123456789abcdefghijklmnopqrstuv", id[25])
	tests := map[string]string{
		"empty":            "",
		"short":            id[:25],
		"long":             id + "0",
		"upper case":       strings.ToUpper(id),
		"outside alphabet": id[:25] + "w",
		"spare bits set":   id[:25] + string("0123456789abcdefghijklmnopqrstuv"[lastIndex|1]),
		"line break":       id[:12] + "\n" + id[13:],
		"unknown id":       "00000000000000000000000000",
	}
	for name, bad := range tests {
		t.Run(name, func(t *testing.T) {
			if bad == id {
				t.Skip("the mutation produced the valid id")
			}
			if _, _, err := a.Message(context.Background(), bad); !errors.Is(err, inbox.ErrMessageNotFound) {
				t.Errorf("Message(%q): got %v, want ErrMessageNotFound", bad, err)
			}
		})
	}
}

func TestCreate_TTL(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name    string
		ttl     time.Duration
		want    time.Duration
		wantErr error
	}{
		{"zero means default", 0, 10 * time.Minute, nil},
		{"one second", time.Second, time.Second, nil},
		{"maximum", 168 * time.Hour, 168 * time.Hour, nil},
		{"under one second", 999 * time.Millisecond, 0, inbox.ErrInvalidTTL},
		{"negative", -time.Minute, 0, inbox.ErrInvalidTTL},
		{"over maximum", 168*time.Hour + time.Second, 0, inbox.ErrInvalidTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created, err := h.svc.Create(context.Background(), uniqueAddress(t), tt.ttl)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
			if err == nil && !created.ExpiresAt.Equal(testStart.Add(tt.want)) {
				t.Errorf("got expiry %v, want %v", created.ExpiresAt, testStart.Add(tt.want))
			}
		})
	}
}

func TestCreate_AddressTaken(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	first := h.create(address, time.Minute)

	if _, err := h.svc.Create(context.Background(), address, 0); !errors.Is(err, inbox.ErrAddressTaken) {
		t.Errorf("live inbox: got %v, want ErrAddressTaken", err)
	}
	h.clock.Advance(time.Minute)
	if _, err := h.svc.Create(context.Background(), address, 0); !errors.Is(err, inbox.ErrAddressTaken) {
		t.Errorf("expired, not yet swept: got %v, want ErrAddressTaken", err)
	}
	if _, err := h.svc.Authenticate(context.Background(), first.Token); !errors.Is(err, inbox.ErrUnauthorized) {
		t.Errorf("first token: got %v, want ErrUnauthorized", err)
	}
}

func TestCreate_EmptyAddress(t *testing.T) {
	h := newHarness(t)
	if _, err := h.svc.Create(context.Background(), "", 0); err == nil {
		t.Errorf("got no error, want one")
	}
}

func TestCreate_TokenCarriesOwnerCode(t *testing.T) {
	h := newHarness(t)
	created := h.create(uniqueAddress(t), 0)
	tok, err := seal.ParseToken(created.Token)
	if err != nil {
		t.Fatalf("ParseToken: %v", err)
	}
	if tok.OwnerCode != "k3" {
		t.Errorf("got owner code %q, want k3", tok.OwnerCode)
	}
}

func TestExtend(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	address := uniqueAddress(t)
	created := h.create(address, time.Minute)
	h.deliver(address, "kept", []byte("body"))
	a := h.authenticate(created.Token)

	h.clock.Advance(30 * time.Second)
	expiresAt, err := a.Extend(ctx, 3*time.Hour)
	if err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if want := h.clock.Now().Add(3 * time.Hour); !expiresAt.Equal(want) {
		t.Errorf("got expiry %v, want %v", expiresAt, want)
	}

	// Past the old expiry and its epoch, the inbox and its message remain.
	h.clock.Advance(2 * time.Hour)
	if n, err := h.svc.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("Sweep: got %d, %v, want 0 deleted", n, err)
	}
	h.restart()
	a = h.authenticate(created.Token)
	if _, raw, err := a.Message(ctx, mustOnlyMessageID(t, a)); err != nil || string(raw) != "body" {
		t.Errorf("Message after extend: got %q, %v, want body", raw, err)
	}
	info, err := a.Info(ctx)
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if !info.ExpiresAt.Equal(expiresAt) {
		t.Errorf("got expiry %v, want %v", info.ExpiresAt, expiresAt)
	}
}

func TestExtend_TTLBounds(t *testing.T) {
	h := newHarness(t)
	a := h.authenticate(h.create(uniqueAddress(t), 0).Token)

	if _, err := a.Extend(context.Background(), 500*time.Millisecond); !errors.Is(err, inbox.ErrInvalidTTL) {
		t.Errorf("under one second: got %v, want ErrInvalidTTL", err)
	}
	got, err := a.Extend(context.Background(), 1000*time.Hour)
	if err != nil {
		t.Fatalf("Extend: %v", err)
	}
	if want := testStart.Add(168 * time.Hour); !got.Equal(want) {
		t.Errorf("got expiry %v, want %v (capped at the maximum)", got, want)
	}
}

func TestService_Restart(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, time.Hour)
	id := h.deliver(address, "before restart", []byte("durable body"))

	h.restart()

	a := h.authenticate(created.Token)
	summary, raw, err := a.Message(context.Background(), id)
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	if string(raw) != "durable body" || summary.Subject != "before restart" {
		t.Errorf("got %q / %q, want the delivered message", summary.Subject, raw)
	}
	if ok, _ := h.svc.Accepts(context.Background(), address); !ok {
		t.Errorf("Accepts after restart: got false, want true")
	}
}

func TestDeliver_Concurrent(t *testing.T) {
	h := newHarness(t)
	address := uniqueAddress(t)
	created := h.create(address, 0)

	const senders = 16
	type result struct {
		id   string
		body []byte
		err  error
	}
	results := make(chan result, senders)
	var wg sync.WaitGroup
	for i := range senders {
		body := randomBody(t, 1000*i)
		wg.Go(func() {
			id, err := h.svc.Deliver(context.Background(), address, inbox.Envelope{}, inbox.MessageMeta{Subject: "parallel"}, body)
			results <- result{id: id, body: body, err: err}
		})
	}
	wg.Wait()
	close(results)

	a := h.authenticate(created.Token)
	seen := map[string]bool{}
	for r := range results {
		if r.err != nil {
			t.Errorf("Deliver: %v", r.err)
			continue
		}
		if seen[r.id] {
			t.Errorf("duplicate id %s", r.id)
		}
		seen[r.id] = true
		_, raw, err := a.Message(context.Background(), r.id)
		if err != nil || !bytes.Equal(raw, r.body) {
			t.Errorf("Message(%s): got %d bytes, %v, want the %d delivered", r.id, len(raw), err, len(r.body))
		}
	}
	list, err := a.Messages(context.Background())
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if len(list) != senders {
		t.Errorf("got %d messages, want %d", len(list), senders)
	}
}

func TestOpen_InvalidConfig(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *inbox.Config)
	}{
		{"no data directory", func(c *inbox.Config) { c.DataDir = "" }},
		{"bad owner code", func(c *inbox.Config) { c.OwnerCode = "l1" }},
		{"default over maximum", func(c *inbox.Config) { c.DefaultTTL, c.MaxTTL = 2*time.Hour, time.Hour }},
		{"default under one second", func(c *inbox.Config) { c.DefaultTTL = time.Millisecond }},
		{"negative sweep interval", func(c *inbox.Config) { c.SweepInterval = -time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := inbox.Config{DataDir: t.TempDir(), OwnerCode: "ab"}
			tt.change(&cfg)
			svc, err := inbox.Open(cfg)
			if err == nil {
				_ = svc.Close()
				t.Fatalf("got no error, want one")
			}
		})
	}
}

func TestOpen_SecondServiceOnSameDirectoryFails(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	start := time.Now()
	svc, err := inbox.Open(cfg)
	if err == nil {
		_ = svc.Close()
		t.Fatalf("got no error, want one: the directory is in use")
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("took %v to fail", elapsed)
	}
}

func TestClose_Idempotent(t *testing.T) {
	h := newHarness(t)
	if err := h.svc.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := h.svc.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
}

func mustOnlyMessageID(t *testing.T, a *inbox.Access) string {
	t.Helper()
	list, err := a.Messages(context.Background())
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if len(list) != 1 {
		t.Fatalf("got %d messages, want 1", len(list))
	}
	return list[0].ID
}
