package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"
)

const (
	testOperatorToken = "operator-secret-token"
	testClusterToken  = "cluster-secret-token"
)

// testLogWriter sends log lines to t.Log until the test ends, and keeps
// a copy so tests can inspect what was logged.
type testLogWriter struct {
	t     testing.TB
	quiet bool // for benchmarks, whose output would show every line
	mu    sync.Mutex
	done  bool
	buf   bytes.Buffer
}

func newTestLogger(t testing.TB) (*slog.Logger, *testLogWriter) {
	t.Helper()
	_, bench := t.(*testing.B)
	w := &testLogWriter{t: t, quiet: bench}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	level := slog.LevelDebug
	if bench {
		level = slog.LevelWarn // debug logging would take part of the measured time
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), w
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.done && !w.quiet {
		w.t.Log(string(bytes.TrimRight(p, "\n")))
	}
	return len(p), nil
}

func (w *testLogWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// testConfig returns the configuration of a node on loopback with fast
// Raft timeouts, in a fresh data directory.
func testConfig(t testing.TB, id string) Config {
	t.Helper()
	logger, _ := newTestLogger(t)
	return Config{
		NodeID:           id,
		DataDir:          t.TempDir(),
		RaftListen:       "127.0.0.1:0",
		APIListen:        "127.0.0.1:0",
		Bootstrap:        true,
		OperatorToken:    testOperatorToken,
		ClusterToken:     testClusterToken,
		Logger:           logger,
		HeartbeatTimeout: 200 * time.Millisecond,
		ElectionTimeout:  200 * time.Millisecond,
		Autopilot:        testAutopilot,
	}
}

// testAutopilot promotes a new server soon and probes often. The last
// contact threshold is loose, because the race detector on a loaded
// machine can delay heartbeats past the heartbeat timeout. Autopilot gives
// each round of probes half the interval.
var testAutopilot = AutopilotConfig{
	DeadServerTimeout:       time.Minute,
	ServerStabilizationTime: 300 * time.Millisecond,
	LastContactThreshold:    2 * time.Second,
	Interval:                500 * time.Millisecond,
}

// openNode opens a node and closes it when the test ends.
func openNode(t testing.TB, cfg Config) *Node {
	t.Helper()
	n, err := Open(cfg)
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("close node: %v", err)
		}
	})
	return n
}

// startLeader opens a bootstrapped single-node cluster and waits until it
// leads.
func startLeader(t testing.TB) *Node {
	t.Helper()
	n := openNode(t, testConfig(t, "node-1"))
	waitLeader(t, n)
	return n
}

func waitLeader(t testing.TB, n *Node) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.WaitLeader(ctx); err != nil {
		t.Fatalf("wait for leader: %v", err)
	}
}

func apiURL(n *Node) string {
	return "http://" + n.APIAddr().String()
}

// call sends one request to the node's API and returns the status and the
// body. A nil body sends none.
func call(t testing.TB, n *Node, method, path, token string, body any) (int, []byte) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("marshal request: %v", err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, apiURL(n)+path, reader)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return resp.StatusCode, data
}

// callJSON is call that expects a status and decodes the body into out.
func callJSON(t testing.TB, n *Node, method, path, token string, body any, wantStatus int, out any) {
	t.Helper()
	status, data := call(t, n, method, path, token, body)
	if status != wantStatus {
		t.Fatalf("%s %s: got status %d (%s), want %d", method, path, status, data, wantStatus)
	}
	if out == nil {
		return
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
	}
}

// eventually polls cond every 20ms until it holds or 10s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: got no success within 10s, want it to happen", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func decodeResponse(resp *http.Response, out any) error {
	return json.NewDecoder(resp.Body).Decode(out)
}

// waitForWatchers waits until a directory query is blocked on n.
func waitForWatchers(t testing.TB, n *Node) {
	t.Helper()
	eventually(t, "a blocked directory query", func() bool { return n.waiting.Load() > 0 })
}
