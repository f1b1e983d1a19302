package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves g in the Prometheus text format at /metrics. Without a gatherer
// the route answers 404, like any unknown path.
func (s *Server) metricsHandler(g prometheus.Gatherer) fiber.Handler {
	if g == nil {
		return func(c *fiber.Ctx) error { return fiber.ErrNotFound }
	}
	// promhttp does content negotiation (text, OpenMetrics) and compression; the adaptor
	// runs it on fasthttp. A collector that fails is reported in the body, with the
	// metrics that did gather, rather than a 500 that hides them all.
	return adaptor.HTTPHandler(promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
}
