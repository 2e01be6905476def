package dnsserver

import (
	"fmt"
	"net"
	"strconv"
)

// ephemeralAttempts bounds the retries when the free UDP port the kernel
// picked is taken for TCP.
const ephemeralAttempts = 10

// listen opens a UDP socket and a TCP listener on the same address. When
// addr has port 0, TCP gets the port that UDP got, so clients can retry a
// truncated answer over TCP on the same port.
func listen(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("parse listen address %q: %w", addr, err)
	}
	attempts := 1
	if port == "" || port == "0" {
		attempts = ephemeralAttempts
	}

	var tcpErr error
	for range attempts {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("listen udp %s: %w", addr, err)
		}
		udpPort := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(udpPort)))
		if err == nil {
			return pc, ln, nil
		}
		tcpErr = err
		_ = pc.Close() // never served, nothing to flush
	}
	return nil, nil, fmt.Errorf("listen tcp on the udp port of %s: %w", addr, tcpErr)
}
