package runtime

import (
	"container/list"

	"github.com/dop251/goja"
)

// viewsPerVM bounds the frozen instance views a vm keeps. A view is a handful of small
// objects (about 1 KB), so it can be many more than module evaluations: enough for every
// candidate of a busy message to find its view already built.
const viewsPerVM = 16384

// sharedModulesPerVM is how many shared evaluations (two per widget version, its file and
// its imports, and fedmsg.meta) a vm keeps, whatever WithModulesPerRuntime says for data()'s
// per-instance ones: the hint index asks every instance's widget in turn at start, and a
// cache smaller than the site's widgets would evaluate a module for nearly every instance;
// a bigger one would keep the versions a widget had before its reloads (a lib/meta.js
// evaluation holds its memo, up to some 4 MB), which only the LRU retires. When an
// evaluation of a version's imports is retired while instances still use it, the next
// evaluation of that widget makes another: its caches start again, nothing else changes.
const sharedModulesPerVM = 128

// sharedModule returns the evaluation of w that template, shouldInvalidate and
// hints.usernames run on in this vm: one per widget version, shared by every instance,
// as a browser page imports a widget module once for all its instances. These functions
// are meant to be pure; what they could leave behind is module-level state of the SAME
// widget version (globals and intrinsics are frozen), never another widget's.
//
// A call that throws keeps the shared evaluation: a pure function that throws for one
// instance's config has changed nothing, and evaluating again would cost every other
// instance an evaluation. An interrupt retires the whole vm.
func (v *vm) sharedModule(w *Widget) (*module, error) {
	k := moduleKey{version: w.Version}
	if m := v.shared.get(k); m != nil {
		return m, nil
	}
	m, err := v.evaluate(w)
	if err != nil {
		return nil, err
	}
	m.key = k
	v.shared.add(m)
	return m, nil
}

// viewKey names one instance's view. The widget name is part of it: an instance's
// widget can be swapped in place.
type viewKey struct {
	id   int64
	hub  string
	name string
}

type view struct {
	key    viewKey
	config string // the config it was built from
	value  goja.Value
	elem   *list.Element
}

// viewCache is an LRU of frozen {id, name, hub, config} views, per vm: they no longer
// live on a module, which is shared by every instance.
type viewCache struct {
	max   int
	byKey map[viewKey]*view
	order *list.List // front = most recently used
}

func newViewCache(max int) *viewCache {
	return &viewCache{max: max, byKey: make(map[viewKey]*view), order: list.New()}
}

// view returns inst's frozen view, built again when its config changed.
func (v *vm) view(w *Widget, inst Instance) (goja.Value, error) {
	c := v.views
	k := viewKey{id: inst.ID, hub: inst.Hub, name: w.Name}
	if e := c.byKey[k]; e != nil {
		if e.config == string(inst.Config) {
			c.order.MoveToFront(e.elem)
			return e.value, nil
		}
		c.order.Remove(e.elem)
		delete(c.byKey, k)
	}
	val, err := v.instanceView(w, inst)
	if err != nil {
		return nil, err
	}
	e := &view{key: k, config: string(inst.Config), value: val}
	e.elem = c.order.PushFront(e)
	c.byKey[k] = e
	for c.order.Len() > c.max {
		old := c.order.Back().Value.(*view)
		c.order.Remove(old.elem)
		delete(c.byKey, old.key)
	}
	return val, nil
}
