// Package smtpd is the edge's inbound SMTP server, an MX for the pool
// domains built on emersion/go-smtp.
//
// It advertises PIPELINING, SIZE, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES and
// CHUNKING, offers no AUTH (this is an inbound MX, not a submission
// server), and rejects recipients at RCPT time: 550 5.7.1 for a domain the
// pool does not serve, 550 5.1.1 for an address without a live inbox. It
// answers 250 to DATA only after every recipient's encrypted copy is
// durable. The banner names the host and no software version. Nothing
// about the client (address, envelope, content) is logged.
package smtpd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mayfly-mail/mayfly/controlplane/state"
	"github.com/mayfly-mail/mayfly/edge/inbox"
)

// Inboxes is the part of the inbox service the SMTP server uses.
type Inboxes interface {
	Accepts(ctx context.Context, address string) (bool, error)
	Deliver(ctx context.Context, address string, env inbox.Envelope, meta inbox.MessageMeta, raw []byte) (string, error)
}

// Domains tells the status of a pool domain.
type Domains interface {
	DomainStatus(name string) (state.DomainStatus, bool)
}

// Config sets the server's name and limits.
type Config struct {
	// Hostname is the name in the 220 banner and the EHLO reply.
	Hostname string
	// MaxMessageSize is advertised with SIZE and enforced during DATA.
	MaxMessageSize int64
	// MaxRecipients per transaction; past it RCPT gets 452 4.5.3.
	MaxRecipients int
	// ReadTimeout and WriteTimeout bound each command and reply.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	Logger       *slog.Logger
}

// Server is an SMTP listener. Serve may be called once; Shutdown stops it.
type Server struct {
	cfg     Config
	inboxes Inboxes
	domains Domains
	smtp    *smtp.Server
	ctx     context.Context
	cancel  context.CancelFunc
}

// New returns a server that delivers into inboxes.
func New(cfg Config, inboxes Inboxes, domains Domains) *Server {
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 5 * time.Minute
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = time.Minute
	}
	s := &Server{cfg: cfg, inboxes: inboxes, domains: domains}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	srv := smtp.NewServer(s)
	srv.Domain = cfg.Hostname
	srv.MaxMessageBytes = cfg.MaxMessageSize
	srv.MaxRecipients = cfg.MaxRecipients
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = errorLog{cfg.Logger}
	s.smtp = srv
	return s
}

// Serve accepts connections on ln until Shutdown or Close.
func (s *Server) Serve(ln net.Listener) error {
	s.cfg.Logger.Info("smtp server listening", "addr", ln.Addr().String())
	err := s.smtp.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for open sessions to end
// until ctx is done, then closes them.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.smtp.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.smtp.Close())
	}
	s.cancel()
	return err
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(_ *smtp.Conn) (smtp.Session, error) {
	ctx, cancel := context.WithCancel(s.ctx)
	return &session{
		server: s,
		ctx:    ctx,
		cancel: cancel,
		logger: s.cfg.Logger.With("session", newSessionID()),
	}, nil
}

func newSessionID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// errorLog routes go-smtp's own error messages into slog. go-smtp formats
// the client's address into some of them, so every net.Addr argument is
// replaced before formatting.
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
