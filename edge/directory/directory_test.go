package directory

import (
	"log/slog"
	"testing"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/controlplane/wire"
)

func TestWatcher_EdgeByOwnerCode(t *testing.T) {
	w := New(nil, "local", slog.New(slog.DiscardHandler))
	if _, ok := w.EdgeByOwnerCode("ab"); ok {
		t.Fatal("got an edge before any directory arrived, want none")
	}
	w.Set(wire.Directory{Index: 1, Region: "local", Edges: []state.Edge{
		{ID: "edge-a", OwnerCode: "ab", InternalURL: "http://127.0.0.1:8081"},
		{ID: "edge-b", OwnerCode: "cd"},
	}})

	cases := []struct{ code, wantID string }{
		{"ab", "edge-a"},
		{"cd", "edge-b"},
		{"ef", ""},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			got, ok := w.EdgeByOwnerCode(tc.code)
			if ok != (tc.wantID != "") || got.ID != tc.wantID {
				t.Errorf("got %q (found %v), want %q", got.ID, ok, tc.wantID)
			}
		})
	}
}
