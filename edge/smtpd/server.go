package smtpd

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/emersion/go-smtp"
)

// Server is an SMTP listener. Serve may be called once; Shutdown stops it.
type Server struct {
	cfg     Config
	backend Backend
	smtp    *smtp.Server
	tls     *tls.Config // nil: STARTTLS is not offered
	limiter *limiter
	logger  *slog.Logger

	// ctx is the parent of every session's context; Shutdown cancels it
	// when its deadline passes.
	ctx    context.Context
	cancel context.CancelFunc
	// draining is set by Shutdown: new transactions get 421.
	draining atomic.Bool
	// calls tracks the backend calls of sessions, rejects the goroutines
	// that refuse connections over the limits.
	calls    tracker
	rejects  tracker
	refusals refusalLog

	// listeners are closed by Shutdown itself: go-smtp registers a listener
	// only once its Serve goroutine runs, so a Shutdown that comes first
	// would leave it accepting forever.
	listenMu  sync.Mutex
	listeners []net.Listener
	stopped   bool
}

// New returns a server that accepts mail for the recipients backend
// accepts and stores it there.
func New(cfg Config, backend Backend) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, backend: backend, logger: cfg.Logger}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.limiter = newLimiter(cfg.MaxConnections, cfg.MaxConnectionsPerClient, cfg.ClientKeyRotation)
	if cfg.TLSCertFile != "" && cfg.TLSKeyFile != "" {
		s.tls = newTLSConfig(cfg.TLSCertFile, cfg.TLSKeyFile, s.logger)
	}

	srv := smtp.NewServer(sessions{s})
	srv.Domain = cfg.Hostname
	srv.MaxMessageBytes = cfg.MaxMessageSize
	srv.MaxRecipients = cfg.MaxRecipients
	srv.WriteTimeout = cfg.WriteTimeout
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = errorLog{s.logger}
	// conn frames the input: it bounds lines, sets the read deadlines and
	// carries out STARTTLS, so go-smtp's own line limit, read timeout and
	// TLS stay off.
	srv.MaxLineLength = 0
	srv.ReadTimeout = 0
	srv.TLSConfig = nil
	s.smtp = srv
	return s
}

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if !s.track(ln) {
		return nil
	}
	s.logger.Info("smtp server listening", "addr", ln.Addr().String(), "starttls", s.tls != nil)
	err := s.smtp.Serve(listener{Listener: ln, server: s})
	if errors.Is(err, smtp.ErrServerClosed) || (errors.Is(err, net.ErrClosed) && s.isStopped()) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("serve smtp: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and replies 421 4.3.2 to every
// command that would start a new transaction, while transactions in
// flight go on until ctx is done. Then it closes the remaining
// connections, cancels their backend calls and waits for those to
// return. It returns ctx's error when it had to close connections.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.closeListeners()
	s.limiter.each((*conn).interruptIfIdle)

	// go-smtp closes the listeners again; net.ErrClosed is no news.
	err := s.smtp.Shutdown(ctx)
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	if err != nil {
		s.cancel()
		// go-smtp's Close closes the listener again: net.ErrClosed is no news.
		closeErr := s.smtp.Close()
		if closeErr != nil && !errors.Is(closeErr, smtp.ErrServerClosed) && !errors.Is(closeErr, net.ErrClosed) {
			err = errors.Join(err, closeErr)
		}
	}
	s.cancel()
	s.calls.stopAndWait()
	s.rejects.stopAndWait()
	return err
}

// track records ln for Shutdown, or closes it and returns false when the
// server is already shut down.
func (s *Server) track(ln net.Listener) bool {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	if s.stopped {
		_ = ln.Close()
		return false
	}
	s.listeners = append(s.listeners, ln)
	return true
}

func (s *Server) closeListeners() {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	s.stopped = true
	for _, ln := range s.listeners {
		_ = ln.Close()
	}
}

func (s *Server) isStopped() bool {
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	return s.stopped
}

// sessions is the smtp.Backend of the server.
type sessions struct{ s *Server }

// NewSession starts the session of a connection after its first EHLO or
// HELO.
func (b sessions) NewSession(c *smtp.Conn) (smtp.Session, error) {
	fc, ok := c.Conn().(*conn)
	if !ok {
		return nil, replyTempFailure
	}
	ctx, cancel := context.WithCancel(b.s.ctx)
	sess := &session{server: b.s, conn: fc, ctx: ctx, cancel: cancel, logger: fc.logger}
	fc.attach(sess)
	return sess, nil
}

func newSessionID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// errorLog routes go-smtp's own error messages into slog. conn hides the
// client's address and network errors from go-smtp, and every net.Addr
// argument is replaced as well, in case a message still carries one.
type errorLog struct{ logger *slog.Logger }

func (l errorLog) Printf(format string, v ...any) {
	l.logger.Warn("smtp server error", "error", fmt.Sprintf(format, redactAddrs(v)...))
}

func (l errorLog) Println(v ...any) {
	l.logger.Warn("smtp server error", "error", fmt.Sprint(redactAddrs(v)...))
}

func redactAddrs(v []any) []any {
	out := make([]any, len(v))
	for i, x := range v {
		if _, ok := x.(net.Addr); ok {
			x = "client"
		}
		out[i] = x
	}
	return out
}
