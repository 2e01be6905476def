package controlplane

import (
	"fmt"
	"net"
	"time"

	"github.com/hashicorp/raft"
)

// namedStreamLayer is Raft's TCP stream layer for a node that advertises a
// host name rather than an IP address. Raft stores the advertised address
// of every member, and raft.NewTCPTransport resolves a name once at start;
// a container or pod that comes back on a new IP would then be unreachable
// at the stored one. Here the name is stored and resolved at every dial.
type namedStreamLayer struct {
	ln        net.Listener
	advertise namedAddr
}

// namedAddr is a host:port whose host may be a DNS name.
type namedAddr string

func (a namedAddr) Network() string { return "tcp" }
func (a namedAddr) String() string  { return string(a) }

// advertisesName reports whether addr, a host:port, names its host rather
// than giving an IP address.
func advertisesName(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && host != "" && net.ParseIP(host) == nil
}

// listenNamed listens on listen and advertises advertise, a host:port with
// a DNS name.
func listenNamed(listen, advertise string) (*namedStreamLayer, error) {
	if _, port, err := net.SplitHostPort(advertise); err != nil || port == "" || port == "0" {
		return nil, fmt.Errorf("invalid raft advertise address %q: want host:port with a fixed port", advertise)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("open raft transport on %s: %w", listen, err)
	}
	return &namedStreamLayer{ln: ln, advertise: namedAddr(advertise)}, nil
}

func (l *namedStreamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp", string(address), timeout)
}

func (l *namedStreamLayer) Accept() (net.Conn, error) { return l.ln.Accept() }
func (l *namedStreamLayer) Close() error              { return l.ln.Close() }
func (l *namedStreamLayer) Addr() net.Addr            { return l.advertise }
