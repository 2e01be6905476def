package metrics

import (
	"net"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Stages of an SMTP rejection, the stage label of smtp_rejections_total.
const (
	StageRecipient = "rcpt"
	StageData      = "data"
)

// Reasons of an SMTP rejection or deferral, the reason label of
// smtp_rejections_total.
const (
	// ReasonNoMailbox: no live inbox has the address (550 5.1.1).
	ReasonNoMailbox = "no_mailbox"
	// ReasonDomainNotServed: the domain is no pool domain that receives
	// mail (550 5.7.1).
	ReasonDomainNotServed = "domain_not_served"
	// ReasonTemporary: the edge or the inbox's owner failed, and the
	// sender gets a 4xx to retry.
	ReasonTemporary = "temporary"
	// ReasonTransferAborted: the content broke a limit or a rule (size,
	// line length, bare CR or LF), timed out or the connection was lost.
	ReasonTransferAborted = "transfer_aborted"
)

// sizeBuckets run from 1 KiB to 64 MiB, beyond the 25 MiB default limit.
var sizeBuckets = prometheus.ExponentialBuckets(1024, 4, 9)

// smtpCollectors are the SMTP metrics beyond the recipient and message
// outcomes.
type smtpCollectors struct {
	sessions       prometheus.Counter
	sessionsActive prometheus.Gauge
	rejections     *prometheus.CounterVec
	messageSize    prometheus.Histogram
}

func newSMTPCollectors() smtpCollectors {
	return smtpCollectors{
		sessions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mayfly_edge_smtp_sessions_total",
			Help: "SMTP connections accepted, including those then closed with 421 over a connection limit.",
		}),
		sessionsActive: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mayfly_edge_smtp_sessions_active",
			Help: "SMTP connections open now.",
		}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_edge_smtp_rejections_total",
			Help: "SMTP recipients and messages not accepted, by stage (rcpt, data) and reason.",
		}, []string{"stage", "reason"}),
		messageSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "mayfly_edge_smtp_message_size_bytes",
			Help:    "Size of the messages stored, as received after dot-unstuffing.",
			Buckets: sizeBuckets,
		}),
	}
}

func (c smtpCollectors) list() []prometheus.Collector {
	return []prometheus.Collector{c.sessions, c.sessionsActive, c.rejections, c.messageSize}
}

// SMTPRejected counts one recipient or message not accepted.
func (m *Metrics) SMTPRejected(stage, reason string) {
	m.smtp.rejections.WithLabelValues(stage, reason).Inc()
}

// SMTPMessageSize records the size of one stored message.
func (m *Metrics) SMTPMessageSize(bytes int64) { m.smtp.messageSize.Observe(float64(bytes)) }

// CountSessions returns ln wrapped so that every accepted connection is
// counted while it is open. The SMTP server runs one session per
// connection, so these are the SMTP sessions.
func (m *Metrics) CountSessions(ln net.Listener) net.Listener {
	return &countingListener{Listener: ln, metrics: &m.smtp}
}

type countingListener struct {
	net.Listener
	metrics *smtpCollectors
}

func (l *countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.metrics.sessions.Inc()
	l.metrics.sessionsActive.Inc()
	return &countedConn{Conn: conn, active: l.metrics.sessionsActive}, nil
}

// countedConn lowers the active gauge on its first Close. The SMTP
// server wraps it for STARTTLS, which keeps the inner connection, so it
// is closed exactly once in the end.
type countedConn struct {
	net.Conn
	active prometheus.Gauge
	once   sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(c.active.Dec)
	return c.Conn.Close()
}
