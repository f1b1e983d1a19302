package server

import (
	"context"
	"sync"

	"hubs/store"
)

// layout is what a hub page needs from the store besides widget data: the hub, its
// widgets in order, and who holds which role.
type layout struct {
	hub     store.Hub
	widgets []store.Widget // left column top to bottom, then right
	people  map[store.Role][]store.User
}

// roles returns the roles username holds on the hub, most powerful first.
func (l *layout) roles(username string) []store.Role {
	if username == "" {
		return nil
	}
	var out []store.Role
	for _, r := range store.Roles {
		for _, u := range l.people[r] {
			if u.Username == username {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

func (l *layout) widget(id int64) (store.Widget, bool) {
	for _, w := range l.widgets {
		if w.ID == id {
			return w, true
		}
	}
	return store.Widget{}, false
}

// layoutCache keeps the layout of the hubs being viewed, so a page costs no query while
// nothing changes. Every write to hubs, widgets and roles is announced by the store
// (OnChange) after it commits; the hub's entry is dropped then. A load that raced with a
// change is not kept: gen counts changes, and a load stores its result only when no change
// happened while it ran.
type layoutCache struct {
	st *store.Store

	mu   sync.RWMutex
	gen  uint64
	hubs map[string]*layout
}

// maxLayouts bounds the cache; past it, it starts over (layouts are three queries away).
const maxLayouts = 10_000

func newLayoutCache(st *store.Store) *layoutCache {
	lc := &layoutCache{st: st, hubs: map[string]*layout{}}
	st.OnChange(lc.changed)
	return lc
}

func (lc *layoutCache) changed(c store.Change) {
	lc.mu.Lock()
	lc.gen++
	delete(lc.hubs, c.Hub)
	lc.mu.Unlock()
}

// get returns the layout of hub; an unknown hub is an error wrapping store.ErrNotFound.
func (lc *layoutCache) get(ctx context.Context, hub string) (*layout, error) {
	lc.mu.RLock()
	l, gen := lc.hubs[hub], lc.gen
	lc.mu.RUnlock()
	if l != nil {
		return l, nil
	}
	h, err := lc.st.GetHub(ctx, hub)
	if err != nil {
		return nil, err
	}
	ws, err := lc.st.ListWidgets(ctx, hub)
	if err != nil {
		return nil, err
	}
	people, err := lc.st.PeopleByRole(ctx, hub)
	if err != nil {
		return nil, err
	}
	l = &layout{hub: h, widgets: ws, people: people}
	lc.mu.Lock()
	if lc.gen == gen {
		if len(lc.hubs) >= maxLayouts {
			clear(lc.hubs)
		}
		lc.hubs[hub] = l
	}
	lc.mu.Unlock()
	return l, nil
}
