package fsm

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// newTestDNSSECKey returns a fresh P-256 key in its state form.
func newTestDNSSECKey(t *testing.T) state.DNSSECKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	raw, err := priv.Bytes()
	if err != nil {
		t.Fatalf("encode key: %v", err)
	}
	return state.DNSSECKey{
		Algorithm:  13,
		PrivateKey: base64.StdEncoding.EncodeToString(raw),
		CreatedAt:  time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC),
	}
}

func TestSetDNSSECKey_InstallsOnceAndBumpsEveryZone(t *testing.T) {
	log := newRaftLog(t)
	log.mustApply(TypeSetDNSSettings, dnsSettings(3600))
	log.mustApply(TypeAddDomains, &AddDomains{Names: []string{"a.test", "b.test"}, Region: "r1"})
	before := log.state()
	key := newTestDNSSECKey(t)

	log.mustApply(TypeSetDNSSECKey, SetDNSSECKey{Key: key})

	after := log.state()
	if len(after.DNSSEC) != 1 || after.DNSSEC[0].PrivateKey != key.PrivateKey {
		t.Fatalf("dnssec keys: got %d keys, want the one set", len(after.DNSSEC))
	}
	for name, d := range after.Domains {
		if got, want := d.Serial, before.Domains[name].Serial+1; got != want {
			t.Errorf("serial of %s: got %d, want %d", name, got, want)
		}
	}
	if got, want := after.DNS.OpsSerial, before.DNS.OpsSerial+1; got != want {
		t.Errorf("ops serial: got %d, want %d", got, want)
	}

	// The same key again is a retry and changes nothing.
	log.mustApply(TypeSetDNSSECKey, SetDNSSECKey{Key: key})
	if again := log.state(); again.Domains["a.test"].Serial != after.Domains["a.test"].Serial {
		t.Errorf("serial after a repeated key: got %d, want %d", again.Domains["a.test"].Serial, after.Domains["a.test"].Serial)
	}

	// A different key would break every published DS.
	resp := log.apply(TypeSetDNSSECKey, SetDNSSECKey{Key: newTestDNSSECKey(t)})
	if !errors.Is(resp.Err, ErrDNSSECKeyExists) {
		t.Errorf("second key: got error %v, want ErrDNSSECKeyExists", resp.Err)
	}
}

func TestSetDNSSECKey_RejectsInvalidKeys(t *testing.T) {
	good := newTestDNSSECKey(t)
	tests := []struct {
		name string
		key  state.DNSSECKey
	}{
		{name: "algorithm 8", key: state.DNSSECKey{Algorithm: 8, PrivateKey: good.PrivateKey, CreatedAt: good.CreatedAt}},
		{name: "not base64", key: state.DNSSECKey{Algorithm: 13, PrivateKey: "%%%", CreatedAt: good.CreatedAt}},
		{name: "short scalar", key: state.DNSSECKey{Algorithm: 13, PrivateKey: "AAEC", CreatedAt: good.CreatedAt}},
		{name: "no time", key: state.DNSSECKey{Algorithm: 13, PrivateKey: good.PrivateKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := newRaftLog(t)
			resp := log.apply(TypeSetDNSSECKey, SetDNSSECKey{Key: tt.key})
			if !errors.Is(resp.Err, ErrInvalid) {
				t.Errorf("apply: got error %v, want ErrInvalid", resp.Err)
			}
			if len(log.state().DNSSEC) != 0 {
				t.Errorf("dnssec keys: got %d, want none", len(log.state().DNSSEC))
			}
		})
	}
}

func TestSetDNSSECKey_SurvivesSnapshot(t *testing.T) {
	log := newRaftLog(t)
	key := newTestDNSSECKey(t)
	log.mustApply(TypeSetDNSSECKey, SetDNSSECKey{Key: key})

	snap, err := log.fsm.Snapshot()
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	var sink memorySink
	if err := snap.Persist(&sink); err != nil {
		t.Fatalf("persist: %v", err)
	}
	restored := New()
	if err := restored.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatalf("restore: %v", err)
	}

	if got := restored.State().DNSSEC; len(got) != 1 || got[0] != key {
		t.Errorf("restored dnssec keys: got %+v, want [%+v]", got, key)
	}
}
