package dnsserver

import (
	"net"
	"testing"

	"github.com/miekg/dns"

	"github.com/mayfly-mail/mayfly/controlplane/state"
)

// recordingWriter is a dns.ResponseWriter that keeps what the handler
// writes instead of sending it.
type recordingWriter struct {
	local   net.Addr
	written []*dns.Msg
	packed  [][]byte
	packErr error
}

var _ dns.ResponseWriter = (*recordingWriter)(nil)

func newRecordingWriter(network string) *recordingWriter {
	if network == "tcp" {
		return &recordingWriter{local: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}}
	}
	return &recordingWriter{local: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}}
}

func (w *recordingWriter) WriteMsg(m *dns.Msg) error {
	w.written = append(w.written, m)
	b, err := m.Pack()
	if err != nil {
		w.packErr = err
		return err
	}
	w.packed = append(w.packed, b)
	return nil
}

// Write records a reply the handler packed itself. It is unpacked into
// written too, so that both ways of writing count as replies.
func (w *recordingWriter) Write(b []byte) (int, error) {
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		w.packErr = err
		return 0, err
	}
	w.written = append(w.written, m)
	w.packed = append(w.packed, b)
	return len(b), nil
}

func (w *recordingWriter) LocalAddr() net.Addr { return w.local }

func (w *recordingWriter) RemoteAddr() net.Addr {
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 5300}
}

func (w *recordingWriter) Close() error        { return nil }
func (w *recordingWriter) TsigStatus() error   { return nil }
func (w *recordingWriter) TsigTimersOnly(bool) {}
func (w *recordingWriter) Hijack()             {}

func (w *recordingWriter) replies() int { return len(w.written) }

func (w *recordingWriter) lastReply() *dns.Msg { return w.written[len(w.written)-1] }

// newTestHandler returns a server that is never started, for calling
// ServeDNS directly.
func newTestHandler(t testing.TB, st *state.State) *Server {
	t.Helper()
	logger, _ := testLogger(t)
	srv, err := New(Config{Addr: "127.0.0.1:0", Logger: logger, Source: fixedSource(st)})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return srv
}

func TestServeDNS_NoReplyToResponsesOrNil(t *testing.T) {
	srv := newTestHandler(t, testState())

	response := newQuery("mayfly.test.", dns.TypeSOA)
	response.Response = true
	tests := []struct {
		name string
		req  *dns.Msg
	}{
		{name: "nil message", req: nil},
		{name: "QR set", req: response},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newRecordingWriter("udp")
			srv.ServeDNS(w, tt.req)
			if w.replies() != 0 {
				t.Errorf("replies: got %d, want 0", w.replies())
			}
		})
	}
}

func TestServeDNS_FormatErrors(t *testing.T) {
	srv := newTestHandler(t, testState())

	twoQuestions := newQuery("mayfly.test.", dns.TypeA)
	twoQuestions.Question = append(twoQuestions.Question, twoQuestions.Question[0])
	badOPTName := withEDNS(newQuery("mayfly.test.", dns.TypeA), 1232)
	badOPTName.IsEdns0().Hdr.Name = "mayfly.test."

	tests := []struct {
		name string
		req  *dns.Msg
	}{
		{name: "no question", req: &dns.Msg{MsgHdr: dns.MsgHdr{Id: 42}}},
		{name: "two questions", req: twoQuestions},
		{name: "OPT not at root", req: badOPTName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newRecordingWriter("udp")
			srv.ServeDNS(w, tt.req)
			if w.replies() != 1 {
				t.Fatalf("replies: got %d, want 1", w.replies())
			}
			reply := w.lastReply()
			if reply.Rcode != dns.RcodeFormatError || reply.Id != tt.req.Id || !reply.Response {
				t.Errorf("reply: got rcode %s ID %d QR %v, want FORMERR ID %d QR true", dns.RcodeToString[reply.Rcode], reply.Id, reply.Response, tt.req.Id)
			}
			if len(reply.Question) != 0 && len(tt.req.Question) != 1 {
				t.Errorf("question: got %v, want none echoed", reply.Question)
			}
		})
	}
}

func TestServer_PanicGetsServerFailure(t *testing.T) {
	srv := startServer(t, func() *state.State { panic("state source broken") })

	reply := exchange(t, "udp", srv.UDPAddr(), newQuery("mayfly.test.", dns.TypeSOA))

	if reply.Rcode != dns.RcodeServerFailure {
		t.Errorf("rcode: got %s, want SERVFAIL", dns.RcodeToString[reply.Rcode])
	}
	if n := srv.logErrors.Load(); n != 1 {
		t.Errorf("error log records: got %d, want 1", n)
	}
	// The server must still answer after a panic.
	exchange(t, "tcp", srv.TCPAddr(), newQuery("mayfly.test.", dns.TypeSOA))
}
