package server

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"
	"sync"

	"github.com/gofiber/fiber/v2"

	"hubs/engine"
	"hubs/store"
)

// hubAction is a button of the hub header (subscribe, star, join and their undoing).
type hubAction struct {
	Action string
	Label  string
}

type widgetChoice struct {
	Name, Title string
}

type hubPage struct {
	pageBase
	Since      uint64 // the update id the page's stream resumes after (engine.Watch)
	Hub        store.Hub
	FullName   string
	LeftWidth  int
	RightWidth int
	Left       []widgetView
	Right      []widgetView
	Owner      bool
	Actions    []hubAction
	Available  []widgetChoice
}

type widgetPage struct {
	pageBase
	Since  uint64 // as in hubPage
	Widget widgetView
}

type hubsPage struct {
	pageBase
	Teams  []store.Hub
	People []store.Hub
}

// root answers GET /: the signed-in user's own hub, or the list of hubs.
func (s *Server) root(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if sess := s.session(c); sess.user != "" {
		if _, err := s.web.layouts.get(ctx, sess.user); err == nil {
			return c.Redirect("/"+sess.user+"/", fiber.StatusSeeOther)
		}
	}
	hubs, err := s.store.ListHubs(ctx)
	if err != nil {
		return s.pageFailed(c, err)
	}
	p := hubsPage{pageBase: s.base(c, "Hubs")}
	for _, h := range hubs {
		if h.UserHub {
			p.People = append(p.People, h)
		} else {
			p.Teams = append(p.Teams, h)
		}
	}
	return s.renderPage(c, "hubs.html", p)
}

// layoutOf returns the layout of the hub named in the route, or answers 404 (an HTML page
// when html is set, else JSON) and returns nil.
func (s *Server) layoutOf(c *fiber.Ctx, html bool) (*layout, error) {
	name := c.Params("hub")
	l, err := s.web.layouts.get(c.UserContext(), name)
	if err == nil {
		return l, nil
	}
	if errors.Is(err, store.ErrNotFound) || store.ValidateHubName(name) != nil {
		if html {
			return nil, s.htmlError(c, fiber.StatusNotFound, "Not found", "There is no hub called “"+name+"”.")
		}
		return nil, notFound(c, "no hub named "+name)
	}
	if html {
		return nil, s.pageFailed(c, err)
	}
	return nil, s.serverError(c, err)
}

// hubPage answers GET /{hub}/: every widget already rendered, in its column.
func (s *Server) hubPage(c *fiber.Ctx) error {
	l, err := s.layoutOf(c, true)
	if l == nil {
		return err
	}
	base := s.base(c, l.hub.Name)
	roles := l.roles(base.User)
	owner := hasRole(roles, store.RoleOwner)
	p := hubPage{pageBase: base, Hub: l.hub, LeftWidth: l.hub.LeftWidth, RightWidth: 12 - l.hub.LeftWidth, Owner: owner}
	if l.hub.UserHub {
		p.FullName = l.hub.Summary
	}
	// Before the data is read: an update made after this is published and kept for the
	// page's stream, which resumes after p.Since.
	p.Since = s.web.engine.Watch(l.hub.Name)
	views := s.renderWidgets(c.UserContext(), l.widgets)
	for i := range views {
		v := &views[i]
		v.Owner, v.CSRF = owner, base.CSRF
		v.First = i == 0 || views[i-1].Column != v.Column
		v.Last = i == len(views)-1 || views[i+1].Column != v.Column
		if v.Column == store.ColumnLeft {
			p.Left = append(p.Left, *v)
		} else {
			p.Right = append(p.Right, *v)
		}
	}
	if base.User != "" {
		p.Actions = actionsFor(roles)
	}
	if owner {
		for _, w := range s.web.engine.Runtime().List() {
			p.Available = append(p.Available, widgetChoice{Name: w.Name, Title: w.Title})
		}
	}
	return s.renderPage(c, "hub.html", p)
}

// actionsFor lists the header buttons for someone holding roles: each membership the
// original Fedora Hubs offered, as the action that toggles it.
func actionsFor(roles []store.Role) []hubAction {
	toggle := func(r store.Role, on, onLabel, off, offLabel string) hubAction {
		if hasRole(roles, r) {
			return hubAction{off, offLabel}
		}
		return hubAction{on, onLabel}
	}
	return []hubAction{
		toggle(store.RoleMember, "join", "Join", "leave", "Leave"),
		toggle(store.RoleSubscriber, "subscribe", "Subscribe", "unsubscribe", "Unsubscribe"),
		toggle(store.RoleStargazer, "star", "★ Star", "unstar", "☆ Unstar"),
	}
}

// renderWidgets renders the widgets of a page at once: a widget whose data must be built
// (a cache miss, which may wait on the network) does not hold up the others.
func (s *Server) renderWidgets(ctx context.Context, ws []store.Widget) []widgetView {
	views := make([]widgetView, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() { views[i] = s.renderWidget(ctx, w) })
	}
	wg.Wait()
	return views
}

// widgetIn returns the widget of the route's idx on the layout's hub, if it is there.
func widgetIn(c *fiber.Ctx, l *layout) (store.Widget, bool) {
	id, err := strconv.ParseInt(c.Params("idx"), 10, 64)
	if err != nil {
		return store.Widget{}, false
	}
	return l.widget(id)
}

// widgetPage answers GET /{hub}/{idx}/: one widget in its chrome.
func (s *Server) widgetPage(c *fiber.Ctx) error {
	l, err := s.layoutOf(c, true)
	if l == nil {
		return err
	}
	w, ok := widgetIn(c, l)
	if !ok {
		return s.htmlError(c, fiber.StatusNotFound, "Not found", "The hub "+l.hub.Name+" has no widget "+c.Params("idx")+".")
	}
	base := s.base(c, l.hub.Name)
	since := s.web.engine.Watch(l.hub.Name) // before the data, as in hubPage
	v := s.renderWidget(c.UserContext(), w)
	v.Owner, v.CSRF = hasRole(l.roles(base.User), store.RoleOwner), base.CSRF
	v.First, v.Last = true, true // moving needs the whole column in view
	base.Title = v.Title + " · " + l.hub.Name
	return s.renderPage(c, "widget.html", widgetPage{pageBase: base, Since: since, Widget: v})
}

// widgetJSON answers GET /{hub}/{idx}/json: the widget's data, the very bytes a widget
// event carries, with an ETag. It asks the engine only (its cache knows the hub of every
// instance), so a cache hit costs no query.
func (s *Server) widgetJSON(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("idx"), 10, 64)
	if err != nil {
		return fiber.ErrNotFound
	}
	d, err := s.web.engine.Data(c.UserContext(), id)
	if errors.Is(err, engine.ErrNotFound) || (err == nil && d.Hub != c.Params("hub")) {
		return notFound(c, "no widget "+c.Params("idx")+" on hub "+c.Params("hub"))
	}
	if err != nil {
		// Without data the engine cannot say which hub the widget is on: ask the layout,
		// so that another hub's widget is a 404 here too.
		if l, lerr := s.web.layouts.get(c.UserContext(), c.Params("hub")); lerr != nil {
			return notFound(c, "no hub named "+c.Params("hub"))
		} else if _, ok := l.widget(id); !ok {
			return notFound(c, "no widget "+c.Params("idx")+" on hub "+c.Params("hub"))
		}
		s.log.Debug("widget data failed", "id", id, "err", err)
		return jsonError(c, fiber.StatusBadGateway, "widget "+c.Params("idx")+" has no data: "+errorMessage(err))
	}
	if d.Stale {
		c.Set("X-Hubs-Stale", "true")
	}
	h := fnv.New64a()
	h.Write(d.JSON)
	etag := `"` + d.Version + "-" + strconv.FormatUint(h.Sum64(), 36) + `"`
	return sendCached(c, d.JSON, fiber.MIMEApplicationJSON, etag, false)
}
