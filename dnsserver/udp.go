package dnsserver

import (
	"errors"
	"fmt"
	"net"
	"runtime/debug"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// udpBatch is how many datagrams one system call reads or writes.
const udpBatch = 64

// batchConn reads and writes several datagrams per system call (recvmmsg
// and sendmmsg on Linux, one at a time elsewhere).
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// udpLoop serves the queries of one UDP socket in batches: it reads up to
// udpBatch queries, answers each in turn on this goroutine, and sends the
// replies together. It replaces the dns library's UDP loop, which spends a
// read and a write system call and a goroutine on every query, and sends
// what ServeDNS writes through the same rules. One udpLoop runs per
// socket; Start opens a socket per CPU.
type udpLoop struct {
	srv   *Server
	conn  net.PacketConn
	batch batchConn
	local net.Addr

	in      []ipv4.Message
	out     []ipv4.Message
	replies [][]byte // one reply buffer per slot of in
}

func newUDPLoop(srv *Server, conn net.PacketConn) *udpLoop {
	l := &udpLoop{srv: srv, conn: conn, local: conn.LocalAddr()}
	if addr, ok := l.local.(*net.UDPAddr); ok && addr.IP.To4() == nil && addr.IP != nil {
		l.batch = ipv6.NewPacketConn(conn)
	} else {
		l.batch = ipv4.NewPacketConn(conn)
	}
	l.in = make([]ipv4.Message, udpBatch)
	l.replies = make([][]byte, udpBatch)
	for i := range l.in {
		l.in[i].Buffers = [][]byte{make([]byte, readBufferSize)}
		l.replies[i] = make([]byte, 0, maxUDPSize+tsigReserve)
	}
	l.out = make([]ipv4.Message, 0, udpBatch)
	return l
}

// serve runs until the socket is closed, then returns nil. Any other read
// error stops it with that error.
func (l *udpLoop) serve() error {
	for {
		n, err := l.batch.ReadBatch(l.in, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var netErr net.Error
			if errors.As(err, &netErr) && netErr.Timeout() {
				continue
			}
			return fmt.Errorf("read udp batch: %w", err)
		}

		l.out = l.out[:0]
		for i := range n {
			msg := &l.in[i]
			reply := l.answer(msg.Buffers[0][:msg.N], msg.Addr, l.replies[i][:0])
			if reply != nil {
				l.replies[i] = reply[:0]
				l.out = append(l.out, ipv4.Message{Buffers: [][]byte{reply}, Addr: msg.Addr})
			}
		}
		l.send()
	}
}

// send writes the batch of replies. A reply that cannot be sent is lost,
// as any datagram may be, and the client retries.
func (l *udpLoop) send() {
	for out := l.out; len(out) > 0; {
		n, err := l.batch.WriteBatch(out, 0)
		if err != nil {
			// The error text names a client address, which must not be
			// logged.
			l.srv.logger.Debug("dns udp replies not sent", "replies", len(out))
			return
		}
		out = out[n:]
	}
}

// answer returns the packed reply to one datagram, in buf when it fits, or
// nil to send nothing. It recovers from a panic in the handler like the
// TCP listener does.
func (l *udpLoop) answer(packet []byte, remote net.Addr, buf []byte) (reply []byte) {
	defer func() {
		if v := recover(); v != nil {
			l.srv.logger.Error("dns handler panicked", "panic", v, "stack", string(debug.Stack()))
			reply = serverFailure(packet)
		}
	}()
	if out, ok := l.srv.answerFast(packet, remote, buf); ok {
		return out
	}

	w := &udpWriter{local: l.local, remote: remote, buf: buf, secrets: l.srv.tsigSecrets}

	req := new(dns.Msg)
	if err := req.Unpack(packet); err != nil {
		reply = formatError(packet)
		if reply != nil {
			l.srv.counts.add(dns.RcodeFormatError)
			l.srv.metrics.countLabel("none", dns.RcodeFormatError, false, "udp")
		}
		return reply
	}
	w.verifyTSIG(req, packet)
	l.srv.ServeDNS(w, req)
	return w.packed
}

// formatError returns the FORMERR reply to a datagram that does not parse,
// as the dns library's own loop sends it: the header's ID and opcode, no
// sections. A datagram shorter than a header, or with the QR bit set,
// gets no reply.
func formatError(packet []byte) []byte {
	return headerOnlyReply(packet, dns.RcodeFormatError)
}

func serverFailure(packet []byte) []byte {
	return headerOnlyReply(packet, dns.RcodeServerFailure)
}

func headerOnlyReply(packet []byte, rcode int) []byte {
	if len(packet) < 12 || packet[2]&0x80 != 0 {
		return nil
	}
	var hdr dns.Msg
	hdr.Id = uint16(packet[0])<<8 | uint16(packet[1])
	hdr.Opcode = int(packet[2]>>3) & 0xf
	hdr.Response = true
	hdr.Rcode = rcode
	out, err := hdr.Pack()
	if err != nil {
		return nil
	}
	return out
}

// udpWriter is the dns.ResponseWriter of one datagram: it packs the reply
// into buf, signing it when the request carried a valid TSIG.
type udpWriter struct {
	local, remote net.Addr
	buf           []byte
	packed        []byte

	secrets    map[string]string
	tsigStatus error
	requestMAC string
}

var _ dns.ResponseWriter = (*udpWriter)(nil)

// verifyTSIG checks the request's TSIG, as the dns library's loop does
// before it calls the handler.
func (w *udpWriter) verifyTSIG(req *dns.Msg, packet []byte) {
	t := req.IsTsig()
	if t == nil {
		return
	}
	w.requestMAC = t.MAC
	secret, ok := w.secrets[canonicalName(t.Hdr.Name)]
	if !ok {
		w.tsigStatus = dns.ErrSecret
		return
	}
	w.tsigStatus = dns.TsigVerify(packet, secret, "", false)
}

func (w *udpWriter) WriteMsg(m *dns.Msg) error {
	if w.packed != nil {
		return errors.New("udp reply already written")
	}
	if t := m.IsTsig(); t != nil {
		out, _, err := dns.TsigGenerate(m, w.secrets[canonicalName(t.Hdr.Name)], w.requestMAC, false)
		if err != nil {
			return fmt.Errorf("sign reply: %w", err)
		}
		w.packed = out
		return nil
	}
	out, err := m.PackBuffer(w.buf)
	if err != nil {
		return fmt.Errorf("pack reply: %w", err)
	}
	w.packed = out
	return nil
}

func (w *udpWriter) Write(b []byte) (int, error) {
	w.packed = append(w.buf[:0], b...)
	return len(b), nil
}

func (w *udpWriter) LocalAddr() net.Addr  { return w.local }
func (w *udpWriter) RemoteAddr() net.Addr { return w.remote }
func (w *udpWriter) Close() error         { return nil }
func (w *udpWriter) TsigStatus() error    { return w.tsigStatus }
func (w *udpWriter) TsigTimersOnly(bool)  {}
func (w *udpWriter) Hijack()              {}
