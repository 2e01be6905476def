package dnsserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/miekg/dns"
)

// ErrStarted is returned by Start when the server was already started,
// including after Shutdown: a Server runs once.
var ErrStarted = errors.New("dns server already started")

// Server is an authoritative DNS server for the pool domains and the
// operations zone. Start, Shutdown and the address methods may be called
// from any goroutine.
type Server struct {
	addr        string
	logger      *slog.Logger
	zones       *zoneCache
	counts      rcodeCounts
	metrics     *metrics
	cookies     *cookieJar
	rrl         *rateLimiter // nil when off
	transfer    Transfer
	tsigSecrets map[string]string
	notifier    *notifier // nil without notify targets
	stopNotify  context.CancelFunc

	mu       sync.Mutex
	started  bool
	stopped  bool
	udp      []net.PacketConn
	tcp      *dns.Server
	udpAddr  net.Addr
	tcpAddr  net.Addr
	serving  sync.WaitGroup
	shutdown chan struct{} // closed by Shutdown, read by the serve goroutines
}

// New returns a server for cfg. It does not listen until Start.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("new dns server: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	zones := &zoneCache{source: cfg.Source, logger: logger, geo: cfg.Geo}
	s := &Server{
		addr:        cfg.Addr,
		logger:      logger,
		zones:       zones,
		metrics:     newMetrics(zones),
		cookies:     newCookieJar(cfg.CookieSecret),
		rrl:         newRateLimiter(cfg.RateLimit),
		transfer:    cfg.Transfer,
		tsigSecrets: cfg.Transfer.tsigSecrets(),
		shutdown:    make(chan struct{}),
	}
	if len(cfg.Transfer.Notify) > 0 {
		interval := cfg.Transfer.PollInterval
		if interval == 0 {
			interval = defaultPollInterval
		}
		s.notifier = &notifier{
			targets: cfg.Transfer.Notify, secrets: s.tsigSecrets, zones: zones,
			interval: interval, logger: logger, sent: map[string]uint32{},
		}
	}
	return s, nil
}

// Start listens on the configured address over UDP and TCP and serves both
// in the background. It returns once both accept queries, or with an error
// after closing whatever it opened.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return ErrStarted
	}

	socks, err := listen(s.addr)
	if err != nil {
		return fmt.Errorf("start dns server: %w", err)
	}
	s.started = true
	s.udpAddr, s.tcpAddr = socks.udp[0].LocalAddr(), socks.tcp.Addr()
	s.udp = socks.udp
	s.tcp = s.newDNSServer()
	s.tcp.Listener = socks.tcp

	ready := make(chan error, 1)
	s.serve("tcp", s.tcp, ready)
	if err := <-ready; err != nil {
		s.stopped = true
		close(s.shutdown)
		_ = s.stopServers(context.Background()) // those that failed were never started
		socks.close()                           // a server that failed to start may leave its socket open
		s.serving.Wait()
		return fmt.Errorf("start dns server: %w", err)
	}

	for _, pc := range s.udp {
		s.serveUDP(pc)
	}
	s.startNotifier()
	s.logger.Info("dns server started", "udp_addr", s.udpAddr.String(), "tcp_addr", s.tcpAddr.String())
	return nil
}

// startNotifier starts sending NOTIFY messages, when there are targets.
// The caller holds mu.
func (s *Server) startNotifier() {
	if s.notifier == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopNotify = cancel
	s.serving.Go(func() { s.notifier.run(ctx) })
}

func (s *Server) newDNSServer() *dns.Server {
	return &dns.Server{
		Handler:    dns.HandlerFunc(s.serveRecovering),
		UDPSize:    readBufferSize,
		TsigSecret: s.tsigSecrets,
		// The default rejects what cannot be a query before the handler
		// runs: responses get no reply, opcodes it does not know get NOTIMP
		// and a question count other than one gets FORMERR.
		MsgAcceptFunc: dns.DefaultMsgAcceptFunc,
	}
}

// serve runs srv in a goroutine and sends one value on ready: nil once srv
// listens, or the error that stopped it before.
func (s *Server) serve(network string, srv *dns.Server, ready chan<- error) {
	var once sync.Once
	srv.NotifyStartedFunc = func() { once.Do(func() { ready <- nil }) }

	s.serving.Go(func() {
		err := srv.ActivateAndServe()
		once.Do(func() {
			if err == nil {
				err = errors.New("stopped before it started")
			}
			ready <- fmt.Errorf("serve %s: %w", network, err)
		})

		select {
		case <-s.shutdown:
		default:
			if err != nil {
				s.logger.Error("dns server stopped serving", "network", network, "error", err)
			}
		}
	})
}

// serveUDP answers the queries of one UDP socket until it is closed.
func (s *Server) serveUDP(pc net.PacketConn) {
	loop := newUDPLoop(s, pc)
	s.serving.Go(func() {
		if err := loop.serve(); err != nil {
			s.logger.Error("dns server stopped serving", "network", "udp", "error", err)
		}
	})
}

// UDPAddr returns the UDP listen address, or nil before Start.
func (s *Server) UDPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.udpAddr
}

// TCPAddr returns the TCP listen address, or nil before Start.
func (s *Server) TCPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tcpAddr
}

// Shutdown stops accepting queries, then waits until the queries in flight
// are answered or ctx ends, whichever comes first, and closes the sockets.
// It returns ctx's error if ctx ended first. Calling it again, or before
// Start, does nothing.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.started || s.stopped {
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	close(s.shutdown)
	if s.stopNotify != nil {
		s.stopNotify()
	}
	s.mu.Unlock()

	err := s.stopServers(ctx)

	done := make(chan struct{})
	go func() {
		s.serving.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, fmt.Errorf("wait for dns server to stop: %w", ctx.Err()))
	}

	s.logger.Info("dns server stopped", "udp_addr", s.udpAddr.String(), "tcp_addr", s.tcpAddr.String())
	s.logger.Debug("dns replies sent", s.counts.attrs()...)
	return err
}

// stopServers shuts both listeners down and waits for their in-flight
// queries until ctx ends.
func (s *Server) stopServers(ctx context.Context) error {
	var errs []error
	if err := s.tcp.ShutdownContext(ctx); err != nil {
		errs = append(errs, fmt.Errorf("shut down dns server: %w", err))
	}
	for _, pc := range s.udp {
		// Closing the socket ends its loop after the batch in hand.
		if err := pc.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close udp socket: %w", err))
		}
	}
	return errors.Join(errs...)
}
