package metrics

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// value gathers m and returns the value of the series with the name and
// labels (name, value pairs), and false when there is no such series.
func value(t *testing.T, m *Metrics, name string, labels ...string) (float64, bool) {
	t.Helper()
	families, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, metric := range f.GetMetric() {
			if hasLabels(metric, labels) {
				return read(metric), true
			}
		}
	}
	return 0, false
}

func hasLabels(metric *dto.Metric, labels []string) bool {
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, l := range metric.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v != l.GetValue() {
			return false
		}
		delete(want, l.GetName())
	}
	return len(want) == 0
}

// read returns a counter's or gauge's value, or a histogram's count.
func read(metric *dto.Metric) float64 {
	switch {
	case metric.Counter != nil:
		return metric.GetCounter().GetValue()
	case metric.Gauge != nil:
		return metric.GetGauge().GetValue()
	case metric.Histogram != nil:
		return float64(metric.GetHistogram().GetSampleCount())
	}
	return 0
}

func wantValue(t *testing.T, m *Metrics, want float64, name string, labels ...string) {
	t.Helper()
	got, ok := value(t, m, name, labels...)
	if !ok {
		t.Errorf("%s%v: no such series, want %v", name, labels, want)
		return
	}
	if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

func TestCountSessions_CountsOpenAndTotal(t *testing.T) {
	m := New()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	counted := m.CountSessions(ln)
	defer counted.Close()

	accepted := make(chan net.Conn, 2)
	go func() {
		for range 2 {
			c, err := counted.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer c.Close()
	}
	first, second := <-accepted, <-accepted

	wantValue(t, m, 2, "mayfly_edge_smtp_sessions_total")
	wantValue(t, m, 2, "mayfly_edge_smtp_sessions_active")
	_ = first.Close()
	_ = first.Close() // a second Close must not count again
	wantValue(t, m, 1, "mayfly_edge_smtp_sessions_active")
	_ = second.Close()
	wantValue(t, m, 0, "mayfly_edge_smtp_sessions_active")
}

func TestSweep_CountsByResult(t *testing.T) {
	m := New()
	m.Sweep(3, 2*time.Millisecond, nil)
	m.Sweep(1, time.Millisecond, errors.New("disk full"))

	wantValue(t, m, 1, "mayfly_edge_expiry_sweeps_total", "result", "ok")
	wantValue(t, m, 1, "mayfly_edge_expiry_sweeps_total", "result", "error")
	wantValue(t, m, 4, "mayfly_edge_expired_inboxes_deleted_total")
	wantValue(t, m, 2, "mayfly_edge_expiry_sweep_duration_seconds")
}

func TestSMTPRejected_ByStageAndReason(t *testing.T) {
	m := New()
	m.SMTPRejected(StageRecipient, ReasonNoMailbox)
	m.SMTPRejected(StageRecipient, ReasonNoMailbox)
	m.SMTPRejected(StageData, ReasonTransferAborted)
	m.SMTPMessageSize(5000)

	wantValue(t, m, 2, "mayfly_edge_smtp_rejections_total", "stage", "rcpt", "reason", "no_mailbox")
	wantValue(t, m, 1, "mayfly_edge_smtp_rejections_total", "stage", "data", "reason", "transfer_aborted")
	wantValue(t, m, 1, "mayfly_edge_smtp_message_size_bytes")
}

func TestWatchStore_ReadsCountAndBytes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "store.db"), make([]byte, 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "bodies", "ab"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bodies", "ab", "m1"), make([]byte, 234), 0o600); err != nil {
		t.Fatal(err)
	}
	m := New()
	m.WatchStore(StoreStats{CountInboxes: func() (int, error) { return 7, nil }, Dir: dir})
	draining := false
	m.WatchDraining(func() bool { return draining })

	wantValue(t, m, 7, "mayfly_edge_inboxes")
	wantValue(t, m, 1234, "mayfly_edge_store_bytes")
	wantValue(t, m, 0, "mayfly_edge_draining")
	draining = true
	wantValue(t, m, 1, "mayfly_edge_draining")
}

func TestWatchStore_UnreadableStoreIsMinusOne(t *testing.T) {
	m := New()
	m.WatchStore(StoreStats{CountInboxes: func() (int, error) { return 0, errors.New("closed") }, Dir: t.TempDir()})
	wantValue(t, m, -1, "mayfly_edge_inboxes")
}
