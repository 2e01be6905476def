package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// readyServer serves /readyz with the status on 127.0.0.1 and returns its
// port.
func readyServer(t *testing.T, status int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port
}

// closedPort returns a loopback port that nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	_ = ln.Close()
	return port
}

func TestHealthcheck_ExitsByReadiness(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		wantErr bool
	}{
		{"ready", http.StatusOK, false},
		{"not ready", http.StatusServiceUnavailable, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := readyServer(t, tt.status)
			out, err := runMayfly(t, "healthcheck", "edge", "--addr", "127.0.0.1:"+port)
			if (err != nil) != tt.wantErr {
				t.Errorf("healthcheck against %d: got error %v, want error %v (output %q)", tt.status, err, tt.wantErr, out)
			}
		})
	}
}

func TestHealthcheck_UnspecifiedListenAskedOnLoopback(t *testing.T) {
	port := readyServer(t, http.StatusOK)
	t.Setenv("MAYFLY_CONTROL_API_LISTEN", "0.0.0.0:"+port)

	out, err := runMayfly(t, "healthcheck", "control")

	if err != nil || !strings.Contains(out, "http://127.0.0.1:"+port+"/readyz") {
		t.Errorf("healthcheck control: got %q, %v; want ready on 127.0.0.1:%s", out, err, port)
	}
}

func TestHealthcheck_WithoutRoleFallsBackToControl(t *testing.T) {
	port := readyServer(t, http.StatusOK)
	t.Setenv("MAYFLY_EDGE_INTERNAL_LISTEN", "127.0.0.1:"+closedPort(t))
	t.Setenv("MAYFLY_CONTROL_API_LISTEN", "127.0.0.1:"+port)

	out, err := runMayfly(t, "healthcheck")

	if err != nil || !strings.Contains(out, ":"+port+"/readyz") {
		t.Errorf("healthcheck: got %q, %v; want ready from the control plane's port %s", out, err, port)
	}
}

func TestHealthcheck_NothingListeningFails(t *testing.T) {
	t.Setenv("MAYFLY_EDGE_INTERNAL_LISTEN", "127.0.0.1:"+closedPort(t))
	t.Setenv("MAYFLY_CONTROL_API_LISTEN", "127.0.0.1:"+closedPort(t))

	_, err := runMayfly(t, "healthcheck")

	if err == nil || !strings.Contains(err.Error(), "nothing listens") {
		t.Errorf("healthcheck with no node: got error %v, want one saying nothing listens", err)
	}
}

func TestHealthcheck_UnknownRoleRejected(t *testing.T) {
	_, err := runMayfly(t, "healthcheck", "dns")
	if err == nil || !strings.Contains(err.Error(), "edge or control") {
		t.Errorf("healthcheck dns: got error %v, want one naming the roles", err)
	}
}
