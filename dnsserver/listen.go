package dnsserver

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strconv"
)

// ephemeralAttempts bounds the retries when the free UDP port the kernel
// picked is taken for TCP.
const ephemeralAttempts = 10

// sockets are the listening sockets of a server: UDP sockets that share one
// port, so that as many goroutines as there are CPUs read queries, and one
// TCP listener on the same port.
type sockets struct {
	udp []net.PacketConn
	tcp net.Listener
}

func (s sockets) close() {
	for _, pc := range s.udp {
		_ = pc.Close() // never served, nothing to flush
	}
	if s.tcp != nil {
		_ = s.tcp.Close()
	}
}

// listen opens the UDP sockets and the TCP listener on addr. When addr has
// port 0, every socket gets the port that the first UDP socket got, so
// clients can retry a truncated answer over TCP on the same port.
func listen(addr string) (sockets, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return sockets{}, fmt.Errorf("parse listen address %q: %w", addr, err)
	}
	attempts := 1
	if port == "" || port == "0" {
		attempts = ephemeralAttempts
	}

	var tcpErr error
	for range attempts {
		first, err := listenUDP(addr)
		if err != nil {
			return sockets{}, fmt.Errorf("listen udp %s: %w", addr, err)
		}
		bound := net.JoinHostPort(host, strconv.Itoa(first.LocalAddr().(*net.UDPAddr).Port))
		ln, err := net.Listen("tcp", bound)
		if err != nil {
			tcpErr = err
			_ = first.Close()
			continue
		}
		s := sockets{udp: []net.PacketConn{first}, tcp: ln}
		if err := s.addUDP(bound); err != nil {
			s.close()
			return sockets{}, err
		}
		return s, nil
	}
	return sockets{}, fmt.Errorf("listen tcp on the udp port of %s: %w", addr, tcpErr)
}

// addUDP opens further UDP sockets on bound, one per CPU in all, where the
// platform lets sockets share a port. The kernel spreads the clients over
// them, and each has its own reader.
func (s *sockets) addUDP(bound string) error {
	if !reusePortSupported {
		return nil
	}
	for len(s.udp) < runtime.GOMAXPROCS(0) {
		pc, err := listenUDP(bound)
		if err != nil {
			return fmt.Errorf("listen udp %s: %w", bound, err)
		}
		s.udp = append(s.udp, pc)
	}
	return nil
}

// udpSocketBuffer is the receive and send buffer size asked for each UDP
// socket. A burst of queries larger than the default buffer would be lost
// while the reader is busy. The kernel caps it at net.core.rmem_max and
// net.core.wmem_max.
const udpSocketBuffer = 4 << 20

// listenUDP opens a UDP socket that other sockets of this process may
// share its port with.
func listenUDP(addr string) (net.PacketConn, error) {
	lc := net.ListenConfig{Control: reusePort}
	pc, err := lc.ListenPacket(context.Background(), "udp", addr)
	if err != nil {
		return nil, err
	}
	if conn, ok := pc.(*net.UDPConn); ok {
		// A smaller buffer than asked for only makes bursts lossier, so
		// an error here is no reason to stop.
		_ = conn.SetReadBuffer(udpSocketBuffer)
		_ = conn.SetWriteBuffer(udpSocketBuffer)
	}
	return pc, nil
}
