package server

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"sync"
	"time"

	"hubs/engine"
	"hubs/runtime"
	"hubs/store"
)

// widgetView is one widget as a page shows it: in its chrome, with its HTML or the error
// that took its place.
type widgetView struct {
	ID        int64
	Hub       string
	Name      string
	Title     string
	Version   string
	Column    store.Column
	Position  int
	ModuleURL string
	SourceURL string
	HTML      template.HTML
	// Error replaces the body: the widget is not loaded, or has no data, or its template
	// failed. A message, never a stack (that goes to the log).
	Error string
	// Stale: the latest rebuild failed (StaleError says why) and this is the last good
	// data.
	Stale      bool
	StaleError string
	// Owner: the viewer may edit and move it. First/Last say where it is in its column.
	Owner       bool
	First, Last bool
	CSRF        string // for the owner's forms
}

// renderTTL bounds how long a rendered template is reused for the same data: templates
// may say "3 minutes ago", which drifts while the data does not change.
const renderTTL = 30 * time.Second

// rendered is one template output, valid for one widget version and one data value.
type rendered struct {
	version string
	data    []byte
	html    string
	at      time.Time
}

// renderCache keeps each widget instance's last template output, so a page view whose
// data is cached costs no JavaScript. An entry is reused only for the same code version
// and the same data bytes (the engine hands out the same slice while its cache entry
// lives, so the comparison is usually one pointer).
type renderCache struct {
	max int
	mu  sync.RWMutex
	m   map[int64]*rendered
}

func newRenderCache(max int) *renderCache { return &renderCache{max: max, m: map[int64]*rendered{}} }

func (rc *renderCache) get(id int64, version string, data []byte, now time.Time) (string, bool) {
	rc.mu.RLock()
	r := rc.m[id]
	rc.mu.RUnlock()
	if r == nil || r.version != version || now.Sub(r.at) > renderTTL || !sameBytes(r.data, data) {
		return "", false
	}
	return r.html, true
}

func (rc *renderCache) put(id int64, r *rendered) {
	rc.mu.Lock()
	if len(rc.m) >= rc.max {
		// Start over rather than track recency: a miss costs one template call.
		clear(rc.m)
	}
	rc.m[id] = r
	rc.mu.Unlock()
}

func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	return bytes.Equal(a, b)
}

// renderWidget builds the view of widget w: its data from the engine (cache or one
// shared build), its template run in goja with the same h the browser uses. A failure
// shows in the view's Error and is logged here (the engine logs data failures itself).
func (s *Server) renderWidget(ctx context.Context, w store.Widget) widgetView {
	v := widgetView{ID: w.ID, Hub: w.Hub, Name: w.Name, Title: w.Name, Column: w.Column, Position: w.Position,
		SourceURL: widgetSourceURL(w.Name)}
	rt := s.web.engine.Runtime()
	code, err := rt.Widget(w.Name)
	if err != nil {
		v.Error = "The widget " + w.Name + " is not available on this server."
		return v
	}
	v.Title, v.Version, v.ModuleURL = code.Title, code.Version, widgetModuleURL(code)
	d, err := s.web.engine.Data(ctx, w.ID)
	if errors.Is(err, engine.ErrNotFound) {
		// Just added: the store has it, and the engine learns of it a moment later
		// (store changes reach it asynchronously); the layout event then refreshes it.
		v.Error = "This widget is being set up and will show in a moment."
		return v
	}
	if err != nil {
		v.Error = "This widget has no data: " + errorMessage(err)
		return v
	}
	if d.Stale {
		v.Stale, v.StaleError = true, errorMessage(d.Err)
	}
	now := time.Now()
	if html, ok := s.web.renders.get(w.ID, code.Version, d.JSON, now); ok {
		v.HTML = template.HTML(html)
		return v
	}
	inst := runtime.Instance{ID: w.ID, Name: w.Name, Hub: w.Hub, Config: w.Config}
	html, err := rt.Template(ctx, inst, d.JSON)
	if err != nil {
		s.log.Warn("widget template failed", "widget", w.Name, "id", w.ID, "hub", w.Hub, "err", err)
		v.Error = "This widget could not be shown: " + errorMessage(err)
		return v
	}
	s.web.renders.put(w.ID, &rendered{version: code.Version, data: d.JSON, html: html, at: now})
	v.HTML = template.HTML(html)
	return v
}

// errorMessage is what a page or an event may say about err: a widget error's position
// and message without its stack, or a generic sentence for anything else (which may name
// tables or hosts).
func errorMessage(err error) string {
	var we *runtime.Error
	if errors.As(err, &we) {
		if p := we.Pos(); p != "" {
			return p + ": " + we.Message
		}
		return we.Message
	}
	switch {
	case errors.Is(err, engine.ErrNotFound), errors.Is(err, runtime.ErrNotFound):
		return "the widget is not available"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "it took too long"
	}
	return "internal error"
}
