package server

import (
	"bytes"
	"embed"
	"html/template"
	"sync"

	"github.com/gofiber/fiber/v2"

	"hubs/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages are the server's HTML templates, parsed once. Each page template includes "top"
// and "bottom" of base.html; "widget" is a widget in its chrome.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"add": func(a, b int) int { return a + b },
	"other": func(c store.Column) store.Column {
		if c == store.ColumnLeft {
			return store.ColumnRight
		}
		return store.ColumnLeft
	},
}).ParseFS(templateFiles, "templates/*.html"))

// pageBase is what every page's top bar needs.
type pageBase struct {
	Title string
	User  string
	CSRF  string
	CSS   string
	JS    string
	Path  string
}

func (s *Server) base(c *fiber.Ctx, title string) pageBase {
	sess := s.session(c)
	a := s.web.assets
	return pageBase{Title: title, User: sess.user, CSRF: sess.csrf, CSS: a.url("hubs.css"), JS: a.url("hubs.js"), Path: c.OriginalURL()}
}

type errorPage struct {
	pageBase
	Status  int
	Message string
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// renderPage executes template name into the response as HTML. Pages are rendered into a
// buffer first, so a template failure is a clean 500, not half a page.
func (s *Server) renderPage(c *fiber.Ctx, name string, data any) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := pages.ExecuteTemplate(buf, name, data); err != nil {
		return s.serverError(c, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	// Pages carry the viewer's CSRF token and roles: never stored by a shared cache.
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	c.Response().SetBody(buf.Bytes()) // copies: buf goes back to the pool
	return nil
}
