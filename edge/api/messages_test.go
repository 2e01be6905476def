package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mayfly-mail/mayfly/edge/api"
	"github.com/mayfly-mail/mayfly/edge/inbox"
	"github.com/mayfly-mail/mayfly/edge/store"
)

type testDomains []string

func (d testDomains) ActiveDomains() []string { return d }

// apiHarness is the public API on loopback over an inbox service in a
// temporary directory, with one inbox.
type apiHarness struct {
	t       *testing.T
	dir     string
	svc     *inbox.Service
	server  *httptest.Server
	address string
	token   string
	log     *slog.Logger
}

func (h *apiHarness) logger() *slog.Logger { return h.log }

func newAPIHarness(t *testing.T) *apiHarness {
	t.Helper()
	h := &apiHarness{t: t, dir: t.TempDir(), address: "reader.k3abcdefgh@mayfly.test"}
	logger := slog.New(slog.NewTextHandler(testLogWriter{t}, nil))
	h.log = logger
	svc, err := inbox.Open(inbox.Config{DataDir: h.dir, OwnerCode: "k3", Logger: logger})
	if err != nil {
		t.Fatalf("inbox.Open: %v", err)
	}
	h.svc = svc
	t.Cleanup(func() { _ = svc.Close() })

	cfg := api.Config{OwnerCode: "k3", DefaultTTL: 10 * time.Minute, MaxTTL: time.Hour, Logger: logger}
	h.server = httptest.NewServer(api.New(cfg, svc, testDomains{"mayfly.test"}))
	t.Cleanup(h.server.Close)

	created, err := svc.Create(context.Background(), h.address, time.Hour)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	h.token = created.Token
	return h
}

// deliver streams raw into the inbox and returns the message id.
func (h *apiHarness) deliver(raw []byte) string {
	h.t.Helper()
	ctx := context.Background()
	d, err := h.svc.BeginDelivery(ctx, inbox.Envelope{From: "sender@example.test"}, []inbox.DeliveryRecipient{{Address: h.address, Original: h.address}})
	if err != nil {
		h.t.Fatalf("BeginDelivery: %v", err)
	}
	if _, err := d.Write(raw); err != nil {
		h.t.Fatalf("Write: %v", err)
	}
	if _, err := d.Commit(ctx, inbox.MessageMeta{Subject: "test"}); err != nil {
		h.t.Fatalf("Commit: %v", err)
	}
	access, err := h.svc.Authenticate(ctx, h.token)
	if err != nil {
		h.t.Fatalf("Authenticate: %v", err)
	}
	list, err := access.Messages(ctx)
	if err != nil || len(list) == 0 {
		h.t.Fatalf("Messages: got %d, %v", len(list), err)
	}
	return list[0].ID
}

func (h *apiHarness) get(path string) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.server.URL+path, nil)
	if err != nil {
		h.t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := h.server.Client().Do(req)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	h.t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// messageWithAttachment returns a message with one base64 attachment of
// content, padded with a text part of padding bytes.
func messageWithAttachment(content []byte, padding int) []byte {
	var b bytes.Buffer
	b.WriteString("From: sender@example.test\r\nSubject: report\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
	b.WriteString("--b1\r\nContent-Type: text/plain\r\n\r\n")
	b.WriteString(strings.Repeat("text line of the message body\r\n", padding/31+1))
	b.WriteString("--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\n")
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	encoded := base64.StdEncoding.EncodeToString(content)
	for len(encoded) > 76 {
		b.WriteString(encoded[:76] + "\r\n")
		encoded = encoded[76:]
	}
	b.WriteString(encoded + "\r\n--b1--\r\n")
	return b.Bytes()
}

func TestGetRaw_Streams(t *testing.T) {
	tests := []struct {
		name    string
		padding int
	}{
		{"small", 100},
		{"in a body file", 2 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newAPIHarness(t)
			raw := messageWithAttachment([]byte("%PDF-1.4 report"), tt.padding)
			id := h.deliver(raw)

			resp := h.get("/api/v1/inbox/messages/" + id + "/raw")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			if got, want := resp.Header.Get("Content-Length"), strconv.Itoa(len(raw)); got != want {
				t.Errorf("got Content-Length %q, want %q", got, want)
			}
			if got := resp.Header.Get("Content-Type"); got != "message/rfc822" {
				t.Errorf("got Content-Type %q, want message/rfc822", got)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("read body: %v", err)
			}
			if !bytes.Equal(body, raw) {
				t.Errorf("got %d bytes, want the %d delivered", len(body), len(raw))
			}
		})
	}
}

func TestGetRaw_DamagedBodyCutsResponseShort(t *testing.T) {
	h := newAPIHarness(t)
	raw := messageWithAttachment([]byte("%PDF-1.4 report"), 2<<20)
	id := h.deliver(raw)
	var files []string
	err := filepath.WalkDir(filepath.Join(h.dir, store.BodiesDirName), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) != 1 {
		t.Fatalf("got body files %v, %v, want one", files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatalf("read body file: %v", err)
	}
	data[len(data)-100] ^= 0x01
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatalf("write body file: %v", err)
	}

	resp := h.get("/api/v1/inbox/messages/" + id + "/raw")
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Errorf("read body: got no error, want the response cut short")
	}
	if len(body) >= len(raw) {
		t.Errorf("got %d bytes, want fewer than the %d of the message", len(body), len(raw))
	}
}

func TestGetAttachment_Streams(t *testing.T) {
	h := newAPIHarness(t)
	content := bytes.Repeat([]byte("%PDF-1.4 binary \x00\x01\x02 content "), 5000)
	id := h.deliver(messageWithAttachment(content, 100))

	resp := h.get("/api/v1/inbox/messages/" + id + "/attachments/0")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("got status %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/pdf" {
		t.Errorf("got Content-Type %q, want application/pdf", got)
	}
	if got := resp.Header.Get("Content-Disposition"); !strings.Contains(got, "report.pdf") {
		t.Errorf("got Content-Disposition %q, want the file name", got)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if !bytes.Equal(body, content) {
		t.Errorf("got %d bytes, want the %d of the attachment", len(body), len(content))
	}

	missing := h.get("/api/v1/inbox/messages/" + id + "/attachments/1")
	if missing.StatusCode != http.StatusNotFound {
		t.Errorf("attachment 1: got status %d, want 404", missing.StatusCode)
	}
}
