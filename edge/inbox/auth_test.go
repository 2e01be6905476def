package inbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/seal"
)

func TestAuthenticate_RejectsBadTokens(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	live := h.create(uniqueAddress(t), time.Hour)
	expiring := h.create(uniqueAddress(t), time.Minute)
	deleted := h.create(uniqueAddress(t), time.Hour)
	if err := h.authenticate(deleted.Token).Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	h.clock.Advance(time.Minute)

	unknown, err := seal.NewToken("k3")
	if err != nil {
		t.Fatalf("NewToken: %v", err)
	}
	otherOwner, err := seal.ParseToken("ab" + live.Token[2:])
	if err != nil {
		t.Fatalf("ParseToken: %v", err)
	}

	tests := map[string]string{
		"empty":                        "",
		"malformed":                    "not-a-token",
		"one character short":          live.Token[:len(live.Token)-1],
		"unknown":                      unknown.String(),
		"expired":                      expiring.Token,
		"deleted inbox":                deleted.Token,
		"live secret under other code": otherOwner.String(),
	}
	for name, token := range tests {
		t.Run(name, func(t *testing.T) {
			a, err := h.svc.Authenticate(ctx, token)
			if !errors.Is(err, inbox.ErrUnauthorized) {
				t.Errorf("got %v, want ErrUnauthorized", err)
			}
			if a != nil {
				t.Errorf("got an Access, want nil")
			}
		})
	}

	if _, err := h.svc.Authenticate(ctx, live.Token); err != nil {
		t.Errorf("live token: got %v, want success", err)
	}
}

func TestAuthenticate_CancelledContext(t *testing.T) {
	h := newHarness(t)
	created := h.create(uniqueAddress(t), 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.svc.Authenticate(ctx, created.Token); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}
