//go:build !linux

package dnsserver

import "syscall"

// reusePortSupported reports whether UDP sockets can share a port. Other
// platforms serve UDP from one socket.
const reusePortSupported = false

func reusePort(_, _ string, _ syscall.RawConn) error { return nil }
