package engine

import "github.com/prometheus/client_golang/prometheus"

// Results a rebuild is counted under in hubs_widget_rebuilds_total.
const (
	ResultOK    = "ok"    // data() returned, the new data is cached and published
	ResultError = "error" // data() failed; the last good data (if any) serves, stale
)

// JS functions counted in hubs_js_calls_total and hubs_js_errors_total.
const (
	fnData             = "data"
	fnInvalidate       = "shouldInvalidate"
	fnHints            = "hints.usernames"
	fnMessageUsernames = "hints.messageUsernames"
	fnMeta             = "meta"
)

// Metrics are the engine's Prometheus collectors. Like fedmsg.Metrics, a Metrics is a
// prometheus.Collector that the caller registers where it wants: the package never touches
// the global registry, so tests and several engines don't collide.
type Metrics struct {
	Invalidations prometheus.Counter     // hubs_widget_invalidations_total
	Rebuilds      *prometheus.CounterVec // hubs_widget_rebuilds_total{result}
	CacheHits     prometheus.Counter     // hubs_cache_hits_total
	CacheMisses   prometheus.Counter     // hubs_cache_misses_total
	JSCalls       *prometheus.CounterVec // hubs_js_calls_total{function}
	JSErrors      *prometheus.CounterVec // hubs_js_errors_total{function}
	Latency       prometheus.Histogram   // hubs_update_latency_seconds
	Instances     prometheus.Gauge       // hubs_widget_instances
	Subscribers   prometheus.Gauge       // hubs_update_subscribers
	Queued        *prometheus.GaugeVec   // hubs_rebuilds_queued{queue}
	Warmups       prometheus.Counter     // hubs_widget_warmups_total
}

// Rebuild queues, as hubs_rebuilds_queued labels them.
const (
	queueLocal = "local" // widgets that do not fetch: the archive, the hub, their config
	queueFetch = "fetch" // widgets that fetch from upstream services
)

// NewMetrics makes the collectors, with every labelled series present at zero.
func NewMetrics() *Metrics {
	m := &Metrics{
		Invalidations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubs_widget_invalidations_total",
			Help: "Widget instances whose shouldInvalidate said true for a message.",
		}),
		Rebuilds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubs_widget_rebuilds_total",
			Help: "Runs of a widget instance's data(), by result: ok, error.",
		}, []string{"result"}),
		CacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubs_cache_hits_total",
			Help: "Widget data served from the cache.",
		}),
		CacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubs_cache_misses_total",
			Help: "Widget data asked for and not in the cache (built, or joined a build in flight).",
		}),
		JSCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubs_js_calls_total",
			Help: "Calls of widget JavaScript, by function.",
		}, []string{"function"}),
		JSErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubs_js_errors_total",
			Help: "Calls of widget JavaScript that failed (threw, timed out, broke the contract), by function.",
		}, []string{"function"}),
		Latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hubs_update_latency_seconds",
			Help: "From a bus message received to the update it caused published.",
			// Fine buckets at the low end: the target is single-digit milliseconds.
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}),
		Instances: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hubs_widget_instances",
			Help: "Widget instances the engine knows (in the hint index).",
		}),
		Subscribers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hubs_update_subscribers",
			Help: "Open update stream subscriptions.",
		}),
		Queued: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hubs_rebuilds_queued",
			Help: "Widget instances waiting for a rebuild worker, by queue: local, fetch (widgets that ask upstream services).",
		}, []string{"queue"}),
		Warmups: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubs_widget_warmups_total",
			Help: "Runs of data() whose result was dropped, to keep the rebuild path warm (HUBS_KEEP_WARM).",
		}),
	}
	for _, r := range []string{ResultOK, ResultError} {
		m.Rebuilds.WithLabelValues(r)
	}
	for _, q := range []string{queueLocal, queueFetch} {
		m.Queued.WithLabelValues(q)
	}
	for _, f := range []string{fnData, fnInvalidate, fnHints, fnMessageUsernames, fnMeta} {
		m.JSCalls.WithLabelValues(f)
		m.JSErrors.WithLabelValues(f)
	}
	return m
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Invalidations, m.Rebuilds, m.CacheHits, m.CacheMisses,
		m.JSCalls, m.JSErrors, m.Latency, m.Instances, m.Subscribers, m.Queued, m.Warmups}
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

// countJS counts n calls of function fn and the failures among errs (an errors.Join, as
// runtime.Invalidations returns, counts each joined error).
func (m *Metrics) countJS(fn string, n int, err error) {
	m.JSCalls.WithLabelValues(fn).Add(float64(n))
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		m.JSErrors.WithLabelValues(fn).Add(float64(len(j.Unwrap())))
		return
	}
	m.JSErrors.WithLabelValues(fn).Inc()
}
