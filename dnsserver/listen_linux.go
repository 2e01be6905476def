package dnsserver

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// reusePortSupported reports whether UDP sockets can share a port.
const reusePortSupported = true

// reusePort sets SO_REUSEPORT. Only sockets of the same user may join the
// port, so no other account can take queries from the server.
func reusePort(_, _ string, c syscall.RawConn) error {
	var sockErr error
	err := c.Control(func(fd uintptr) {
		sockErr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	if err != nil {
		return err
	}
	return sockErr
}
