// Package metrics collects the edge's Prometheus metrics and serves them
// for the internal listener's GET /metrics.
//
// Every metric is a count or a duration. Labels take their values from
// small fixed sets (route patterns, methods, status classes, request
// classes, outcomes), never from a client, an inbox, a token, an address
// or a message id.
//
// The metrics, all prefixed mayfly_edge_:
//
//	http_requests_total{route,method,status_class}  public API requests
//	http_request_duration_seconds{route}            their latency
//	inboxes_created_total                           201 replies to POST /api/v1/inboxes
//	http_rate_limited_total{class}                  429 replies, class create or api
//	smtp_recipients_total{outcome}                  RCPT accepted, rejected or deferred
//	smtp_messages_total{outcome}                    messages stored or not
//	smtp_sessions_total, smtp_sessions_active       SMTP connections accepted and open
//	smtp_rejections_total{stage,reason}             recipients and messages not accepted
//	smtp_message_size_bytes                         size of stored messages
//	inboxes                                         inboxes stored now
//	store_bytes                                     bytes of the inbox store on disk
//	expiry_sweeps_total{result}                     expiry sweeps, ok or error
//	expired_inboxes_deleted_total                   inboxes the sweeps deleted
//	expiry_sweep_duration_seconds                   time one sweep took
//	draining                                        1 while the edge is draining
//
// Besides them: the Go runtime and process metrics.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the edge's collectors in a registry of its own, so that
// nodes in one process do not share counters. It is safe for concurrent
// use.
type Metrics struct {
	registry       *prometheus.Registry
	requests       *prometheus.CounterVec
	durations      *prometheus.HistogramVec
	inboxesCreated prometheus.Counter
	rateLimited    *prometheus.CounterVec
	smtpRecipients *prometheus.CounterVec
	smtpMessages   *prometheus.CounterVec
	smtp           smtpCollectors
	sweep          sweepCollectors
}

// New returns the edge's metrics, with the Go runtime and process
// collectors registered beside them.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_edge_http_requests_total",
			Help: "Public API requests by route pattern, method and status class.",
		}, []string{"route", "method", "status_class"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "mayfly_edge_http_request_duration_seconds",
			Help:    "Latency of public API requests until the handler returned.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		inboxesCreated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "mayfly_edge_inboxes_created_total",
			Help: "Inboxes created through the public API.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_edge_http_rate_limited_total",
			Help: "Public API requests rejected with 429, by request class.",
		}, []string{"class"}),
		smtpRecipients: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_edge_smtp_recipients_total",
			Help: "SMTP recipients by outcome: accepted, rejected (5xx) or deferred (4xx).",
		}, []string{"outcome"}),
		smtpMessages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mayfly_edge_smtp_messages_total",
			Help: "SMTP messages by outcome: stored, rejected or failed.",
		}, []string{"outcome"}),
		smtp:  newSMTPCollectors(),
		sweep: newSweepCollectors(),
	}
	m.registry.MustRegister(
		m.requests, m.durations, m.inboxesCreated, m.rateLimited, m.smtpRecipients, m.smtpMessages,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.registry.MustRegister(m.smtp.list()...)
	m.registry.MustRegister(m.sweep.list()...)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Gatherer returns the registry, for tests that inspect the metrics.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.registry }

// RateLimited counts one request rejected with 429.
func (m *Metrics) RateLimited(class string) { m.rateLimited.WithLabelValues(class).Inc() }

// SMTP outcomes, the label values of the smtp_* metrics.
const (
	OutcomeAccepted = "accepted"
	OutcomeRejected = "rejected"
	OutcomeDeferred = "deferred"
	OutcomeStored   = "stored"
	OutcomeFailed   = "failed"
)

// SMTPRecipient counts one RCPT by outcome.
func (m *Metrics) SMTPRecipient(outcome string) { m.smtpRecipients.WithLabelValues(outcome).Inc() }

// SMTPMessage counts one message by outcome.
func (m *Metrics) SMTPMessage(outcome string) { m.smtpMessages.WithLabelValues(outcome).Inc() }
