package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"hubs/runtime"
)

// Cache lifetimes. A content-hashed URL never changes meaning, so it may be kept for a
// year; anything else is revalidated on every use (ETag, 304).
const (
	cacheImmutable   = "public, max-age=31536000, immutable"
	cacheRevalidate  = "no-cache"
	contentTypeJS    = "text/javascript; charset=utf-8"
	staticHashLength = 12
)

// asset is one file of the static folder, held in memory.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// assets is the static folder, read once. Every file is served under
// /static/{hash}/{path}, where hash covers the whole folder: the client runtime imports
// h.js relatively (./h.js), so a module and what it imports must share one prefix, and a
// change to any file gives every URL a new prefix.
type assets struct {
	hash  string
	files map[string]*asset
}

func loadAssets(dir string) (*assets, error) {
	if dir == "" {
		return nil, errors.New("no static folder configured")
	}
	a := &assets{files: map[string]*asset{}}
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		ctype := mime.TypeByExtension(path.Ext(rel))
		if path.Ext(rel) == ".js" {
			ctype = contentTypeJS
		}
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		a.files[rel] = &asset{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		names = append(names, rel)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static folder %s: %w", dir, err)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%s\x00", n, a.files[n].etag)
	}
	a.hash = hex.EncodeToString(h.Sum(nil))[:staticHashLength]
	return a, nil
}

// url is the content-hashed URL of a static file.
func (a *assets) url(name string) string { return "/static/" + a.hash + "/" + name }

// staticFile answers GET /static/{hash}/{path} (a year of cache when hash is the
// folder's) and GET /static/{path} (revalidated).
func (s *Server) staticFile(c *fiber.Ctx) error {
	a := s.web.assets
	rest := c.Params("+")
	immutable := false
	if first, after, ok := strings.Cut(rest, "/"); ok && isHex(first) && len(first) == staticHashLength {
		// A page rendered before a deploy asks for the old hash: it gets today's file,
		// revalidated, rather than a 404 that breaks it.
		immutable = first == a.hash
		rest = after
	}
	f := a.files[rest]
	if f == nil {
		return fiber.ErrNotFound
	}
	return sendCached(c, f.body, f.ctype, f.etag, immutable)
}

// sendCached answers body with its ETag, or 304 when the client has it already.
func sendCached(c *fiber.Ctx, body []byte, ctype, etag string, immutable bool) error {
	c.Set(fiber.HeaderETag, etag)
	if immutable {
		c.Set(fiber.HeaderCacheControl, cacheImmutable)
	} else {
		c.Set(fiber.HeaderCacheControl, cacheRevalidate)
	}
	if etagMatches(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, ctype)
	return c.Send(body)
}

// etagMatches implements If-None-Match: a list of tags, or *.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		part = strings.TrimPrefix(part, "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// widgetModuleURL is where the browser imports a widget version from:
// /widgets/{version}/{path of the file under the widgets folder}. The path keeps the
// folder layout so that the widget's relative imports (./lib/meta.js, ../lib/meta.js)
// resolve under the same version prefix, and a new version of a widget brings new URLs
// for the libs it imports too (the browser's module map would otherwise keep the old lib).
func widgetModuleURL(w *runtime.Widget) string {
	return "/widgets/" + w.Version + "/" + strings.ReplaceAll(w.Name, ".", "/") + ".js"
}

// widgetSourceURL is the human link to a widget's source: /widgets/{name}.js.
func widgetSourceURL(name string) string { return "/widgets/" + name + ".js" }

// widgetSource answers GET /widgets/{name}.js (the widget file as written, revalidated)
// and GET /widgets/{version}/{path} (a widget file or a lib it imports, as the browser
// imports them; a year of cache when version is the one in service).
func (s *Server) widgetSource(c *fiber.Ctx) error {
	rt := s.web.engine.Runtime()
	rest := c.Params("+")
	version, rel, versioned := strings.Cut(rest, "/")
	if !versioned {
		name, ok := strings.CutSuffix(rest, ".js")
		if !ok {
			return fiber.ErrNotFound
		}
		w, err := rt.Widget(name)
		if err != nil {
			return fiber.ErrNotFound
		}
		return sendCached(c, w.Source, contentTypeJS, `"`+w.Version+`"`, false)
	}
	if !isHex(version) || !strings.HasSuffix(rel, ".js") {
		return fiber.ErrNotFound
	}
	clean := path.Clean("/" + rel)[1:]
	if clean != rel || strings.Contains(rel, "/.") || strings.HasPrefix(rel, ".") {
		return fiber.ErrNotFound
	}
	root := rt.Root()
	if root == "" {
		return fiber.ErrNotFound
	}
	file := filepath.Join(root, filepath.FromSlash(rel))
	if name, err := runtime.NameOf(root, file); err == nil {
		w, err := rt.Widget(name)
		if err != nil {
			return fiber.ErrNotFound
		}
		// The loaded version's own source, not the disk's: a file saved with an error
		// is not in service, and the browser must run what the server runs.
		return sendCached(c, w.Source, contentTypeJS, `"`+w.Version+`"`, w.Version == version)
	}
	// A lib: only files that some widget in service imports are served (the widgets
	// folder may hold test data and notes that are nobody's business).
	var owner *runtime.Widget
	for _, w := range rt.List() {
		if slices.Contains(w.Inputs, file) {
			if owner == nil || w.Version == version {
				owner = w
			}
		}
	}
	if owner == nil {
		return fiber.ErrNotFound
	}
	body, err := os.ReadFile(file)
	if err != nil {
		return fiber.ErrNotFound
	}
	sum := sha256.Sum256(body)
	return sendCached(c, body, contentTypeJS, `"`+hex.EncodeToString(sum[:8])+`"`, owner.Version == version)
}
