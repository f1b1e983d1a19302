package fedmsg

import "github.com/prometheus/client_golang/prometheus"

// Results a received message is counted under in hubs_fedmsg_messages_total: each message
// gets exactly one.
const (
	ResultAccepted  = "accepted"  // valid, new, handed to the Handler
	ResultInvalid   = "invalid"   // refused by Parse (the reason is in hubs_fedmsg_invalid_total)
	ResultDuplicate = "duplicate" // msg_id seen recently
	ResultDropped   = "dropped"   // the intake queue was full: the consumer is too slow
)

// Metrics are the intake's Prometheus collectors. A Metrics is itself a
// prometheus.Collector: the caller registers it where it wants (reg.MustRegister(m)); the
// package never touches the global registry, so tests and several intakes don't collide.
type Metrics struct {
	Messages      *prometheus.CounterVec // hubs_fedmsg_messages_total{result}
	Invalid       *prometheus.CounterVec // hubs_fedmsg_invalid_total{reason}
	HandlerErrors prometheus.Counter     // hubs_fedmsg_handler_errors_total
	Connects      *prometheus.CounterVec // hubs_fedmsg_connects_total{endpoint}
	ConnectErrors *prometheus.CounterVec // hubs_fedmsg_connect_errors_total{endpoint}
	Connected     *prometheus.GaugeVec   // hubs_fedmsg_connected{endpoint}
	QueueLength   prometheus.Gauge       // hubs_fedmsg_queue_length
}

// NewMetrics makes the collectors, with every result and reason series present at zero so
// that dashboards and alerts see them before the first event.
func NewMetrics() *Metrics {
	m := &Metrics{
		Messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubs_fedmsg_messages_total",
			Help: "Bus messages received, by result: accepted, invalid, duplicate, dropped.",
		}, []string{"result"}),
		Invalid: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubs_fedmsg_invalid_total",
			Help: "Bus messages refused as invalid, by reason.",
		}, []string{"reason"}),
		HandlerErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubs_fedmsg_handler_errors_total",
			Help: "Accepted bus messages whose handler (archive, invalidation) returned an error.",
		}),
		Connects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubs_fedmsg_connects_total",
			Help: "Successful connections to a bus endpoint; more than one means reconnects.",
		}, []string{"endpoint"}),
		ConnectErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubs_fedmsg_connect_errors_total",
			Help: "Failed attempts to connect to a bus endpoint (each is retried with backoff).",
		}, []string{"endpoint"}),
		Connected: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hubs_fedmsg_connected",
			Help: "1 while connected to the bus endpoint, else 0.",
		}, []string{"endpoint"}),
		QueueLength: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hubs_fedmsg_queue_length",
			Help: "Messages received and waiting for the consumer.",
		}),
	}
	for _, r := range []string{ResultAccepted, ResultInvalid, ResultDuplicate, ResultDropped} {
		m.Messages.WithLabelValues(r)
	}
	for _, r := range Reasons {
		m.Invalid.WithLabelValues(r.Error())
	}
	return m
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Messages, m.Invalid, m.HandlerErrors, m.Connects, m.ConnectErrors, m.Connected, m.QueueLength}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}
