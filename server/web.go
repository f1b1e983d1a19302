package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/etag"

	"hubs/engine"
)

// WebConfig is what the browser side of the server needs: the engine that holds every
// widget's data and code, the static folder, and the session settings.
type WebConfig struct {
	// Engine gives widget data, the widget runtime (templates, params, sources) and the
	// update stream. Without it the pages, widget routes and events are not served.
	Engine *engine.Engine
	// StaticDir is the folder of the browser assets (static/: the client runtime, h.js,
	// the style sheet). It is read once, at New.
	StaticDir string
	// Dev enables /login/dev?user=NAME (HUBS_DEV), the sign-in used until real sign-in
	// lands.
	Dev bool
	// SessionKey signs session cookies and CSRF tokens. Empty: a random key per process,
	// so sessions end with a restart.
	SessionKey []byte
	// Heartbeat is the interval of the comment lines sent on an idle event stream
	// (default 15 s). A client that went away is noticed when a write fails, so this is
	// also how long a gone client can hold its resources.
	Heartbeat time.Duration
	// SecureCookies marks the session cookie Secure (behind HTTPS).
	SecureCookies bool
}

// web is the state of the browser side: loaded assets, parsed templates, the caches of
// hub layouts and rendered widgets, and the lifetime of the event streams.
type web struct {
	s         *Server
	log       *slog.Logger
	engine    *engine.Engine
	dev       bool
	key       []byte
	secure    bool
	heartbeat time.Duration
	probeGap  time.Duration // between the probes that follow a heartbeat (events_handlers.go)
	assets    *assets
	layouts   *layoutCache
	renders   *renderCache

	// streams ends every open event stream on Shutdown.
	streams     context.Context
	stopStreams context.CancelFunc
}

func newWeb(cfg WebConfig, s *Server) *web {
	w := &web{s: s, log: s.log, engine: cfg.Engine, dev: cfg.Dev, key: cfg.SessionKey, secure: cfg.SecureCookies,
		heartbeat: cfg.Heartbeat, renders: newRenderCache(20_000)}
	if w.heartbeat <= 0 {
		w.heartbeat = 15 * time.Second
	}
	w.probeGap = min(w.heartbeat/10, time.Second)
	if len(w.key) == 0 {
		w.key = make([]byte, 32)
		_, _ = rand.Read(w.key)
	}
	w.streams, w.stopStreams = context.WithCancel(context.Background())
	w.assets = &assets{files: map[string]*asset{}}
	if s.store != nil {
		w.layouts = newLayoutCache(s.store)
	}
	if cfg.Engine == nil {
		return w // no pages to serve assets for
	}
	var err error
	if w.assets, err = loadAssets(cfg.StaticDir); err != nil {
		// The pages still work without the client runtime and the style sheet (they are
		// complete without JavaScript), so this is worth a loud log, not a refusal.
		w.log.Error("static assets not loaded: pages are served without style and live updates", "err", err)
		w.assets = &assets{files: map[string]*asset{}}
	}
	return w
}

// webRoutes registers the browser side's routes. They come before the /:hub/... routes of
// hub_handlers.go; hub names that collide with the fixed first segments are refused by the
// store. Widget ids are integers (the <int> constraint), so /{hub}/json is never a widget.
func (s *Server) webRoutes() {
	if s.web.engine == nil || s.store == nil {
		return
	}
	a := s.app
	// Pages and the hub's JSON get an ETag from their body (304 on If-None-Match); the
	// /{hub}/json handler itself is hub_handlers.go's, registered after these, which the
	// middleware reaches through c.Next.
	tag := etag.New()
	a.Get("/:hub/json", tag)
	a.Get("/static/+", s.staticFile)
	a.Get("/widgets/+", s.widgetSource)
	a.Get("/login", s.loginPage)
	a.Get("/login/dev", s.devLogin)
	a.Post("/logout", s.logout)
	a.Post("/api/hub/:hub/:action", s.hubAction)
	a.Get("/", s.root)
	a.Get("/:hub/events", s.hubEvents)
	a.Post("/:hub/add", s.addWidget)
	a.Get("/:hub/:idx<int>/json", s.widgetJSON)
	a.Get("/:hub/:idx<int>/edit", s.editForm)
	a.Post("/:hub/:idx<int>/edit", s.saveConfig)
	a.Post("/:hub/:idx<int>/move", s.moveWidget)
	a.Post("/:hub/:idx<int>/delete", s.deleteWidget)
	a.Get("/:hub/:idx<int>", tag, s.widgetPage)
	a.Get("/:hub", tag, s.hubPage)
}

// htmlError answers status with the error page. It is the one place HTML errors leave.
func (s *Server) htmlError(c *fiber.Ctx, status int, title, msg string) error {
	return s.renderPage(c.Status(status), "error.html", errorPage{pageBase: s.base(c, title), Status: status, Message: msg})
}

// pageFailed logs err (the one place it is logged) and answers the 500 page, without the
// error's details, which may name tables or hosts.
func (s *Server) pageFailed(c *fiber.Ctx, err error) error {
	s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	return s.htmlError(c, fiber.StatusInternalServerError, "Server error", "Something went wrong on our side. It has been logged; try again in a moment.")
}
