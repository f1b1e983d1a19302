package runtime

import (
	"container/list"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/dop251/goja"
)

//go:embed sandbox.js
var sandboxSource string

// sandboxName is how positions in sandbox.js are shown.
const sandboxName = "runtime/sandbox.js"

// sandboxProgram is compiled once per process; every vm runs it.
var sandboxProgram = sync.OnceValues(func() (*goja.Program, error) {
	return goja.Compile(sandboxName, sandboxSource, true)
})

// vm is one pooled goja runtime with its frozen realm. A vm is used by one
// goroutine at a time (the pool hands it out), except for its watchdog, which
// only ever calls Interrupt under mu.
type vm struct {
	rt  *goja.Runtime
	opt *options
	r   *Runtime // for the natives: host, fetcher, logger

	h          goja.Value // the frozen helpers namespace
	render     goja.Callable
	deepFreeze goja.Callable
	freezeData goja.Callable
	freezeAll  goja.Callable
	metaSym    *goja.Symbol // Symbol.for(MetaSymbolKey), made when first needed
	makeCtx    goja.Callable
	parse      goja.Callable
	stringify  goja.Callable

	modules     *moduleCache  // data(): one evaluation per instance
	shared      *moduleCache  // template, shouldInvalidate, hints: one per widget version
	views       *viewCache    // frozen {id, name, hub, config} per instance
	archive     *archiveCache // views of the archive's messages (ctx.messages.grep)
	protoCache  protos        // what views are made with (protos)
	lazyScratch []lazyMember  // where a view's scan gathers its members
	// callValues holds the frozen ctx.hub and ctx.widget values of data() calls.
	callValues *archiveCache
	settings   goja.Value // ctx.settings, frozen, made once

	// evaluations counts module evaluations (owner goroutine only): tests check that
	// instances share one.
	evaluations int

	// broken is set when a call was interrupted or overflowed the stack: the
	// pool then drops this vm instead of reusing it.
	broken bool

	// call is the state of the data() call in progress, read by the natives.
	call *dataCall

	// watchdog: one timer per vm, re-armed for each call. The timer callback
	// interrupts only if a call is still running and its deadline has passed,
	// so a late firing can never hit the next call.
	mu       sync.Mutex
	inCall   bool
	gen      uint64 // counts calls, so a late interrupt cannot hit a later call
	deadline time.Time
	timer    *time.Timer
}

func newVM(o *options, r *Runtime, helpers *goja.Program) (*vm, error) {
	v := &vm{rt: goja.New(), opt: o, r: r, modules: newModuleCache(o.modulesPerVM),
		shared: newModuleCache(sharedModulesPerVM), views: newViewCache(viewsPerVM),
		archive: newArchiveCache(archivedBytesPerVM), callValues: newArchiveCache(callValueBytesPerVM)}
	v.rt.SetMaxCallStackSize(o.maxCallStack)
	// Date.now() and new Date() follow the runtime's clock, as ctx.now() does: one notion of
	// "now" per runtime, which a test can pin (WithClock).
	v.rt.SetTimeSource(o.now)
	v.timer = time.AfterFunc(time.Hour, v.fire)
	v.timer.Stop()

	prog, err := sandboxProgram()
	if err != nil {
		return nil, fmt.Errorf("compile sandbox: %w", err)
	}
	glueFn, err := v.rt.RunProgram(prog)
	if err != nil {
		return nil, fmt.Errorf("run sandbox: %w", err)
	}
	glue, ok := goja.AssertFunction(glueFn)
	if !ok {
		return nil, errors.New("sandbox is not a function")
	}
	apiVal, err := glue(goja.Undefined(), v.natives())
	if err != nil {
		return nil, fmt.Errorf("init sandbox: %w", err)
	}
	api := apiVal.ToObject(v.rt)
	fn := func(name string) goja.Callable {
		f, _ := goja.AssertFunction(api.Get(name))
		return f
	}
	v.deepFreeze, v.freezeData, v.freezeAll = fn("deepFreeze"), fn("freezeData"), fn("freezeAll")
	v.makeCtx, v.parse, v.stringify = fn("makeCtx"), fn("parse"), fn("stringify")

	// Harden before anything else freezes a shared prototype: harden first
	// makes some prototype properties overridable, which needs them unfrozen.
	harden, _ := goja.AssertFunction(api.Get("harden"))
	if _, err := harden(goja.Undefined()); err != nil {
		return nil, fmt.Errorf("harden realm: %w", err)
	}

	wrapper, err := v.rt.RunProgram(helpers)
	if err != nil {
		return nil, fmt.Errorf("load template helpers: %w", err)
	}
	load, ok := goja.AssertFunction(wrapper)
	if !ok {
		return nil, errors.New("load template helpers: the bundle is not wrapped in a function")
	}
	ns, err := load(goja.Undefined(), v.rt.ToValue(v.htmlFactory))
	if err != nil {
		return nil, fmt.Errorf("load template helpers: %w", err)
	}
	// The bundle's namespace reads every export through a getter; widgets get
	// a plain object instead, one property read per helper call.
	nsObj := ns.ToObject(v.rt)
	h := v.rt.NewObject()
	for _, k := range nsObj.Keys() {
		if k != "__esModule" {
			_ = h.Set(k, nsObj.Get(k))
		}
	}
	v.h = h
	if v.render, ok = goja.AssertFunction(h.Get("render")); !ok {
		return nil, errors.New("template helpers: no render function")
	}
	if _, err := v.deepFreeze(goja.Undefined(), h); err != nil {
		return nil, fmt.Errorf("freeze template helpers: %w", err)
	}
	return v, nil
}

// fire is the watchdog callback.
func (v *vm) fire() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.inCall && !time.Now().Before(v.deadline) {
		v.rt.Interrupt(ErrTimeout)
	}
}

// interrupt stops call number gen at once (its context was cancelled), if it
// is still the one running: the vm may have gone back to the pool and on to
// another call by the time a cancellation callback runs.
func (v *vm) interrupt(gen uint64, cause error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.inCall && v.gen == gen {
		v.rt.Interrupt(cause)
	}
}

// callGen is the number of the call in progress (owner goroutine only).
func (v *vm) callGen() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.gen
}

// arm starts the watchdog for one call; the returned func disarms it and
// clears any interrupt that fired, so the vm is clean for its next use.
func (v *vm) arm(limit time.Duration) {
	v.mu.Lock()
	v.inCall = true
	v.gen++
	v.deadline = time.Now().Add(limit)
	v.mu.Unlock()
	v.timer.Reset(limit)
}

func (v *vm) disarm() {
	v.mu.Lock()
	v.inCall = false
	v.mu.Unlock()
	v.timer.Stop()
	v.rt.ClearInterrupt()
}

// run calls f under a time limit and turns what goes wrong into an *Error
// for widget w, function fn. An interrupt or a stack overflow marks the vm
// broken: its state may be half-updated, so the pool replaces it.
func (v *vm) run(w *Widget, fn string, limit time.Duration, f func() (goja.Value, error)) (goja.Value, error) {
	v.arm(limit)
	res, err := f()
	v.disarm()
	if err == nil {
		return res, nil
	}
	var so *goja.StackOverflowError
	var ie *goja.InterruptedError
	switch {
	case errors.As(err, &so):
		v.broken = true
		return nil, w.jsError(fn, &so.Exception, ErrStackOverflow, "maximum call stack size exceeded")
	case errors.As(err, &ie):
		v.broken = true
		cause, _ := ie.Value().(error)
		if cause == nil {
			cause = ErrTimeout
		}
		msg := cause.Error()
		if errors.Is(cause, ErrTimeout) {
			msg = fmt.Sprintf("%s did not finish within %s", fn, limit)
		}
		return nil, w.jsError(fn, &ie.Exception, cause, msg)
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return nil, w.jsError(fn, ex, ErrThrown, "")
	}
	return nil, &Error{Widget: w.Name, Function: fn, File: w.Display, Message: err.Error(), Err: err}
}

func (v *vm) close() {
	v.timer.Stop()
}

// module is one evaluation of a widget's bundle in one vm, owned by one
// instance key (data) or shared by a widget version's instances (the rest).
type module struct {
	key        moduleKey
	def        *goja.Object
	data       goja.Callable
	template   goja.Callable
	invalidate goja.Callable
	usernames  goja.Callable // hints.usernames; fedmsg.meta's usernames (metaModule)
	msgUsers   goja.Callable // hints.messageUsernames
	packages   goja.Callable // fedmsg.meta's packages (metaModule)
	require    goja.Value    // a widget version's imports (see vm.imports)
	elem       *list.Element
}

// moduleKey names one instance of one widget version (data), or one widget version
// (id 0 and no hub, in the shared cache). A new version (Reload) never shares an
// evaluation.
type moduleKey struct {
	version string
	id      int64
	hub     string
}

// moduleCache is a small LRU of module evaluations per vm.
type moduleCache struct {
	max   int
	byKey map[moduleKey]*module
	order *list.List // front = most recently used
}

func newModuleCache(max int) *moduleCache {
	return &moduleCache{max: max, byKey: make(map[moduleKey]*module), order: list.New()}
}

func (c *moduleCache) get(k moduleKey) *module {
	m := c.byKey[k]
	if m != nil {
		c.order.MoveToFront(m.elem)
	}
	return m
}

func (c *moduleCache) add(m *module) {
	m.elem = c.order.PushFront(m)
	c.byKey[m.key] = m
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.drop(old.Value.(*module))
	}
}

func (c *moduleCache) drop(m *module) {
	if c.byKey[m.key] == m {
		delete(c.byKey, m.key)
		c.order.Remove(m.elem)
	}
}

// evaluate runs a widget's bundle once in this vm and checks that the default
// export still has the functions the contract requires (a module may build
// its export differently on each evaluation).
func (v *vm) evaluate(w *Widget) (*module, error) {
	v.evaluations++
	ns, err := v.load(w)
	if err != nil {
		return nil, err
	}
	def, err := defaultExport(v.rt, ns)
	if err != nil {
		return nil, w.contractError("load", "", err.Error())
	}
	m := &module{def: def}
	var ok bool
	if m.data, ok = goja.AssertFunction(def.Get("data")); !ok {
		return nil, w.contractError("load", "data", "data must be a function")
	}
	if m.template, ok = goja.AssertFunction(def.Get("template")); !ok {
		return nil, w.contractError("load", "template", "template must be a function")
	}
	if x := def.Get("shouldInvalidate"); x != nil && !goja.IsUndefined(x) {
		if m.invalidate, ok = goja.AssertFunction(x); !ok {
			return nil, w.contractError("load", "shouldInvalidate", "shouldInvalidate must be a function")
		}
	}
	if hints, ok := def.Get("hints").(*goja.Object); ok {
		m.usernames, _ = goja.AssertFunction(hints.Get("usernames"))
		m.msgUsers, _ = goja.AssertFunction(hints.Get("messageUsernames"))
	}
	return m, nil
}

// load runs the widget file of w in this vm on the evaluation of its imports that
// every evaluation of this widget version here shares, and returns its module namespace.
func (v *vm) load(w *Widget) (goja.Value, error) {
	require, err := v.imports(w)
	if err != nil {
		return nil, err
	}
	return v.run(w, "load", v.opt.limits.Load, func() (goja.Value, error) {
		wrapper, err := v.rt.RunProgram(w.prog)
		if err != nil {
			return nil, err
		}
		f, ok := goja.AssertFunction(wrapper)
		if !ok {
			return nil, errors.New("the bundle is not wrapped in a function")
		}
		return f(goja.Undefined(), require)
	})
}

// importsID marks the evaluation of a widget version's imports in the shared cache.
const importsID = -1

// imports returns the require function the evaluations of w's file get their imports
// from (see widgetBundle): the modules w imports, evaluated on first use and then kept
// with the shared evaluations, one per widget version. So an import's module-level state
// is shared by every instance of that widget version in this vm, as it is by the
// instances on a browser page, and never by another widget.
func (v *vm) imports(w *Widget) (goja.Value, error) {
	if w.imports == nil {
		return goja.Undefined(), nil
	}
	k := moduleKey{version: w.Version, id: importsID}
	if m := v.shared.get(k); m != nil {
		return m.require, nil
	}
	ns, err := v.run(w, "load", v.opt.limits.Load, func() (goja.Value, error) {
		return v.rt.RunProgram(w.imports)
	})
	if err != nil {
		return nil, err
	}
	obj, ok := ns.(*goja.Object)
	if !ok {
		return nil, w.contractError("load", "", "the bundle of its imports has no exports")
	}
	require := obj.Get("default")
	if _, ok := goja.AssertFunction(require); !ok {
		return nil, w.contractError("load", "", "the bundle of its imports has no require function")
	}
	v.shared.add(&module{key: k, require: require})
	return require, nil
}

func defaultExport(rt *goja.Runtime, ns goja.Value) (*goja.Object, error) {
	obj, ok := ns.(*goja.Object)
	if !ok {
		return nil, errors.New("the module has no exports")
	}
	def, ok := obj.Get("default").(*goja.Object)
	if !ok {
		return nil, errors.New("the module has no default export object (export default { ... })")
	}
	return def, nil
}

// module returns the evaluation of w that belongs to inst in this vm (for
// data(), which may keep per-instance state), evaluating it on first use.
func (v *vm) module(w *Widget, inst Instance) (*module, error) {
	k := moduleKey{version: w.Version, id: inst.ID, hub: inst.Hub}
	m := v.modules.get(k)
	if m == nil {
		var err error
		if m, err = v.evaluate(w); err != nil {
			return nil, err
		}
		m.key = k
		v.modules.add(m)
	}
	return m, nil
}

// instanceView builds the frozen {id, name, hub, config} object, as one JSON
// text through the Go builder: a topic-hinted widget on every hub builds
// thousands of views per message, and freezing a built object in JavaScript
// cost three times as much.
func (v *vm) instanceView(w *Widget, inst Instance) (goja.Value, error) {
	config := inst.Config
	if len(config) == 0 {
		config = []byte("{}")
	}
	// Checked on its own first, so that what the config holds can only ever be
	// the config (text such as `{}, "id": 2` would otherwise set another id).
	if !json.Valid(config) {
		_, err := v.jsonToValue(config, true)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return nil, &Error{Widget: w.Name, Function: "config", Message: "config is not JSON: " + err.Error(), Err: ErrContract}
	}
	name, _ := json.Marshal(w.Name)
	hub, _ := json.Marshal(inst.Hub)
	b := make([]byte, 0, len(config)+len(name)+len(hub)+48)
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, inst.ID, 10)
	b = append(b, `,"name":`...)
	b = append(b, name...)
	b = append(b, `,"hub":`...)
	b = append(b, hub...)
	b = append(b, `,"config":`...)
	b = append(b, config...)
	b = append(b, '}')
	view, err := v.jsonToValue(b, true)
	if err != nil {
		return nil, &Error{Widget: w.Name, Function: "config", Message: "config is not JSON: " + err.Error(), Err: ErrContract}
	}
	return view, nil
}

// jsonValue turns JSON bytes into a fresh JS value (def when empty).
func (v *vm) jsonValue(b []byte, def string) (goja.Value, error) {
	if len(b) == 0 {
		b = []byte(def)
	}
	return v.jsonToValue(b, false)
}

// settingsValue is ctx.settings: the same frozen object for every call.
func (v *vm) settingsValue() (goja.Value, error) {
	if v.settings == nil {
		b := []byte("{}")
		if v.opt.settings != nil {
			var err error
			if b, err = json.Marshal(v.opt.settings); err != nil {
				return nil, fmt.Errorf("settings: %w", err)
			}
		}
		s, err := v.jsonToValue(b, true)
		if err != nil {
			return nil, err
		}
		v.settings = s
	}
	return v.settings, nil
}

// forget drops the evaluation of inst after a call threw: whatever the widget
// file's own state had half-done is not carried into the instance's next call
// (its imports, shared by the widget's instances, stay).
func (v *vm) forget(m *module) {
	v.modules.drop(m)
}

// pool hands out vms, at most n at once, made when first needed. The vm returned last
// goes out first, so a pool seldom busy makes only as many vms as it has needed at once
// (each keeps its module evaluations and meta.js answers: megabytes); its memory is also
// the warmest, though the engine's latency showed no difference against going round them
// all (README, seventh session). A broken vm is closed on its return, and another made in
// its place when next needed.
type pool struct {
	tokens chan struct{} // one per vm out
	mk     func() (*vm, error)

	mu   sync.Mutex
	idle []*vm // made and waiting, the last returned last
}

func newPool(n int, mk func() (*vm, error)) *pool {
	return &pool{tokens: make(chan struct{}, n), mk: mk}
}

func (p *pool) get(ctx context.Context) (*vm, error) {
	select {
	case p.tokens <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		v := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return v, nil
	}
	p.mu.Unlock()
	v, err := p.mk()
	if err != nil {
		<-p.tokens
		return nil, err
	}
	return v, nil
}

// put returns v to the pool (nil: nothing was taken).
func (p *pool) put(v *vm) {
	if v == nil {
		return
	}
	if v.broken {
		v.close()
	} else {
		p.mu.Lock()
		p.idle = append(p.idle, v)
		p.mu.Unlock()
	}
	<-p.tokens
}
