// Package server is Hubs' HTTP side (fiber v2): hub pages, the JSON API, health. Handlers are
// methods on Server, which holds their dependencies; each resource has its own file
// (hub_handlers.go, health_handlers.go) and errors leave through the helpers of errors.go.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"hubs/store"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// Config is what a Server needs.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger // default slog.Default()
	// HealthTimeout bounds the database check of /healthz (default 2s).
	HealthTimeout time.Duration
	Metrics       prometheus.Gatherer // served at /metrics (nil: 404)
	// Web configures the hub pages, widget routes, update stream and editing (web.go);
	// without an engine only /healthz, /metrics and /{hub}/json are served.
	Web WebConfig
}

// Server answers Hubs' HTTP requests.
type Server struct {
	store         *store.Store
	log           *slog.Logger
	healthTimeout time.Duration
	app           *fiber.App
	metrics       prometheus.Gatherer
	web           *web
}

// New builds a Server and its routes.
func New(cfg Config) *Server {
	s := &Server{store: cfg.Store, log: cfg.Logger, healthTimeout: cfg.HealthTimeout, metrics: cfg.Metrics}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.healthTimeout <= 0 {
		s.healthTimeout = 2 * time.Second
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "hubs",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		ReadTimeout:           30 * time.Second,
		IdleTimeout:           2 * time.Minute,
	})
	s.web = newWeb(cfg.Web, s)
	s.routes()
	return s
}

func (s *Server) routes() {
	s.app.Get("/healthz", s.health)
	s.app.Get("/metrics", s.metricsHandler(s.metrics))
	// Routes of the server's own come before /:hub/..., whose names store refuses as hubs.
	s.webRoutes()
	s.app.Get("/:hub/json", s.hubJSON)
	s.app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// App is the fiber application, for tests (App().Test) and for mounting extra routes.
func (s *Server) App() *fiber.App { return s.app }

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.app.Listener(ln); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits, until ctx ends, for requests in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	s.web.stopStreams() // open event streams would otherwise hold the shutdown to its deadline
	return s.app.ShutdownWithContext(ctx)
}
