// Package runtime runs widget files: JavaScript ES modules whose data,
// template and shouldInvalidate functions run in goja on the server (template
// and shouldInvalidate also run, unchanged, in the browser).
//
// # Loading
//
// Each widget file is bundled with esbuild together with the relative .js
// files it imports (widgets/lib/...), into one script with an inline source
// map; goja compiles it once, in strict mode, and every position in an error
// or a stack is mapped back to the original file:line:col. A bundle's
// content hash is the widget's Version. Reload recompiles one widget and
// keeps the previous version in service if the new one fails.
//
// # Pool
//
// Calls run on a fixed pool of goja runtimes (one per core by default); a
// runtime is single-goroutine, so a call holds one runtime for its duration.
// Values cross the boundary as JSON text or primitives only: no Go object
// is ever reachable from JavaScript, and the host API is a handful of
// native functions closed over by frozen ctx objects.
//
// # Isolation: what is guaranteed and how
//
//   - Shared realm, frozen. When a runtime is built, every intrinsic
//     reachable from the global object or through syntax (Object.prototype,
//     Array.prototype, the generator and iterator prototypes, JSON, Math...)
//     and the global object itself are deep-frozen, and the template helpers
//     object h is frozen too. Widget code is strict, so `globalThis.x = 1`,
//     `x = 1` (undeclared), `Object.prototype.polluted = 1` or
//     `Array.prototype.map = f` throw a TypeError/ReferenceError instead of
//     leaking into a later call. Common own-property writes that would
//     otherwise hit a frozen prototype (`this.name = ...` in an Error
//     subclass, `obj.toString = f`) still work: those prototype properties
//     are accessors that define the property on the receiver.
//   - Module state: per instance for data()'s widget file, per widget
//     version for the rest. data() may keep caches and does I/O, so it runs
//     on an evaluation of the widget file (its top-level variables, their
//     Maps and caches, closures) made for that instance alone (widget
//     version, instance id, hub) in each runtime, kept in a per-runtime LRU:
//     state it leaves in the file's variables is seen only by later data()
//     calls of the SAME instance. What the file imports is evaluated once per
//     widget version and runtime (see widgetBundle) and shared by every
//     evaluation of the file there, as a page's modules are: an import's
//     state is seen by the widget's other instances, its shared evaluation
//     and Validate's, never by another widget, which has its own evaluation
//     of the same files and sees only frozen globals. template,
//     shouldInvalidate and hints.usernames are meant to be pure and run on
//     ONE evaluation per widget version and runtime, shared by all its
//     instances, as in the browser, where a page imports a widget module once
//     for all its instances. Module-level state they leave may thus be seen
//     by other instances of the same widget version, or not (another
//     runtime, an eviction). Validate runs on a throwaway evaluation of the
//     file, since a config being validated belongs to no instance yet.
//   - Per-call values. The bus message given to shouldInvalidate is parsed
//     once per batch and deep-frozen, so one candidate widget cannot change
//     what the next one sees; the instance view {id, name, hub, config} is
//     frozen (and kept per runtime in its own LRU, keyed by instance); data()
//     gets fresh copies of its config and a frozen ctx.
//   - Failures reset state. A data() call that throws drops that instance's
//     evaluation of the widget file (the next call evaluates it again; its
//     imports' state, the widget's, stays); a throw from the
//     pure functions keeps the shared one, which it cannot have left
//     anything in that the contract lets them rely on; a call that is
//     interrupted (time limit, cancelled context) or overflows the stack
//     retires the whole runtime, which the pool rebuilds on next use.
//
// Native built-ins run without interrupt checks, so the ones that can run
// away are bounded: JSON.stringify serializes a bounded copy made in
// JavaScript (500 levels), data() results are written by a Go encoder that
// stops at 64 levels and at the output cap, String repeat/padStart/padEnd
// refuse results over 64 Mi characters, and backtracking regexps (regexp2)
// give up after 500 ms.
//
// Not covered: goja has no heap limit, so a call can still allocate a lot of
// memory (say, a huge array) before its time limit interrupts it, and other
// long-running built-ins cannot be interrupted until they return.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/dlclark/regexp2/v2"
	"github.com/dop251/goja"
)

// Limits bound each call. Zero fields take the defaults.
type Limits struct {
	Data       time.Duration // data(), in total, awaits and fetches included (10 s)
	Template   time.Duration // template() (200 ms)
	Invalidate time.Duration // one shouldInvalidate() (50 ms)
	Load       time.Duration // evaluating a module's top level (1 s)
	Output     int           // bytes of data() JSON or template HTML (1 MiB)
	CallStack  int           // JavaScript call depth (1000)
}

// DefaultLimits are the limits of the widget contract.
var DefaultLimits = Limits{
	Data:       10 * time.Second,
	Template:   200 * time.Millisecond,
	Invalidate: 50 * time.Millisecond,
	Load:       time.Second,
	Output:     1 << 20,
	CallStack:  1000,
}

type options struct {
	host         Host
	helpers      []byte
	limits       Limits
	fetch        FetchConfig
	settings     map[string]string
	logger       *slog.Logger
	now          func() time.Time
	poolSize     int
	fetchPool    int
	modulesPerVM int
	maxCallStack int
}

// Option configures a Runtime.
type Option func(*options)

// WithHost sets what ctx.messages and ctx.user call. Without one, they fail.
func WithHost(h Host) Option { return func(o *options) { o.host = h } }

// WithHelpers sets the source of the template helpers module (static/h.js):
// the runtime gives it to every template as h, the same file the browser
// imports.
func WithHelpers(src []byte) Option { return func(o *options) { o.helpers = src } }

// WithLimits overrides the call limits; zero fields keep the defaults.
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithFetch configures ctx.fetch (allowlist, timeout, size cap).
func WithFetch(f FetchConfig) Option { return func(o *options) { o.fetch = f } }

// WithSettings sets ctx.settings (site settings such as upstream base URLs).
func WithSettings(s map[string]string) Option { return func(o *options) { o.settings = s } }

// WithLogger sets where ctx.log and the runtime log.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock sets what ctx.now(), Date.now() and new Date() return (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithPoolSize sets how many goja runtimes run calls in parallel (default:
// GOMAXPROCS).
func WithPoolSize(n int) Option { return func(o *options) { o.poolSize = n } }

// DefaultFetchPoolSize is WithFetchPoolSize's default.
const DefaultFetchPoolSize = 8

// WithFetchPoolSize sets how many data() calls of widgets that fetch (Widget.Fetches) run
// at once (default DefaultFetchPoolSize), on goja runtimes of their own: such a call holds
// its runtime while it waits on an upstream, up to Limits.Data, and a slow upstream must
// not keep every other widget waiting for a runtime. The runtimes are made when first
// needed.
func WithFetchPoolSize(n int) Option { return func(o *options) { o.fetchPool = n } }

// DefaultModulesPerRuntime is WithModulesPerRuntime's default.
const DefaultModulesPerRuntime = 1024

// WithModulesPerRuntime bounds how many module evaluations each runtime keeps
// (default DefaultModulesPerRuntime) for data(): one per widget instance. The
// other functions share one per widget version, of which a runtime keeps at
// least 128 whatever n is. An instance's evaluation is of the widget file
// alone (its imports are evaluated once per widget version and runtime): about
// 5 kB and 30 us of CPU for the repository's widgets, plus what data() keeps
// at module level, so a miss is cheap and the bound is about memory.
func WithModulesPerRuntime(n int) Option { return func(o *options) { o.modulesPerVM = n } }

// Runtime holds the loaded widgets and the pool that runs them. It is safe
// for concurrent use.
type Runtime struct {
	opt     options
	helpers *goja.Program
	pool    *pool
	fetches *pool // data() of the widgets that fetch (Widget.Fetches)
	fetcher *fetcher

	mu      sync.RWMutex
	root    string // the widgets folder (absolute), "" until LoadDir
	widgets map[string]*Widget
	meta    *Widget // fedmsg.meta (LoadMeta), a library outside widgets; nil until loaded
}

// New builds a runtime. WithHelpers is required: templates need h.
func New(opts ...Option) (*Runtime, error) {
	o := options{limits: DefaultLimits, logger: slog.Default(), now: time.Now, modulesPerVM: DefaultModulesPerRuntime}
	for _, f := range opts {
		f(&o)
	}
	o.limits = withDefaults(o.limits)
	o.maxCallStack = o.limits.CallStack
	if o.poolSize <= 0 {
		o.poolSize = goruntime.GOMAXPROCS(0)
	}
	if o.fetchPool <= 0 {
		o.fetchPool = DefaultFetchPoolSize
	}
	if o.modulesPerVM <= 0 {
		o.modulesPerVM = 64
	}
	boundRegexps()
	if len(o.helpers) == 0 {
		return nil, errors.New("runtime: no template helpers (WithHelpers with static/h.js)")
	}
	helpers, err := compileHelpers(o.helpers)
	if err != nil {
		return nil, err
	}
	f, err := newFetcher(o.fetch)
	if err != nil {
		return nil, err
	}
	r := &Runtime{opt: o, helpers: helpers, fetcher: f, widgets: map[string]*Widget{}}
	mk := func() (*vm, error) { return newVM(&r.opt, r, r.helpers) }
	r.pool, r.fetches = newPool(o.poolSize, mk), newPool(o.fetchPool, mk)
	return r, nil
}

// regexpTimeout bounds one regular expression match. goja runs patterns RE2
// cannot (backreferences, lookaround) on regexp2, a backtracking engine
// whose catastrophic cases take exponential time inside native code, where
// no interrupt reaches; regexp2 gives up after this long (goja then reports
// no match). The setting is regexp2's process-wide default: goja, through
// this package, is its only user.
const regexpTimeout = 500 * time.Millisecond

var boundRegexps = sync.OnceFunc(func() { regexp2.DefaultMatchTimeout = regexpTimeout })

func withDefaults(l Limits) Limits {
	d := DefaultLimits
	if l.Data > 0 {
		d.Data = l.Data
	}
	if l.Template > 0 {
		d.Template = l.Template
	}
	if l.Invalidate > 0 {
		d.Invalidate = l.Invalidate
	}
	if l.Load > 0 {
		d.Load = l.Load
	}
	if l.Output > 0 {
		d.Output = l.Output
	}
	if l.CallStack > 0 {
		d.CallStack = l.CallStack
	}
	return d
}

// helpersName is how positions in the template helpers are shown.
const helpersName = "static/h.js"

// compileHelpers bundles static/h.js like a widget (it is an ES module) so
// each runtime can evaluate it into a namespace. The bundle is wrapped in a
// function of one parameter, hubsNative, through which the runtime gives
// h.js the Go twin of its html join (htmljoin.go) without any global: the
// script's value is that function. The wrapper's first line only adds
// columns to the banner's line and its last line is "})", which goja skips
// when it looks for the source map, so positions still map to h.js.
func compileHelpers(src []byte) (*goja.Program, error) {
	dir, err := os.MkdirTemp("", "hubs-helpers-")
	if err != nil {
		return nil, fmt.Errorf("template helpers: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "h.js")
	if err := os.WriteFile(file, src, 0o600); err != nil {
		return nil, fmt.Errorf("template helpers: %w", err)
	}
	b, errs := bundle(dir, file)
	if len(errs) > 0 {
		return nil, fmt.Errorf("template helpers: %w", errs[0])
	}
	prog, err := compileBundle(helpersName, "(function (hubsNative) { return "+b.code+"\n})")
	if err != nil {
		return nil, fmt.Errorf("template helpers: %w", err)
	}
	return prog, nil
}

// LoadDir loads every widget under dir (sub-folders give dotted names,
// lib/ holds helpers). Widgets that fail are reported in the returned
// error (an errors.Join of *Error) and the others are loaded.
func (r *Runtime) LoadDir(ctx context.Context, dir string) error {
	root, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("widgets folder %s: %w", dir, err)
	}
	files, err := findWidgetFiles(root)
	if err != nil {
		return fmt.Errorf("widgets folder %s: %w", dir, err)
	}
	r.mu.Lock()
	r.root = root
	r.mu.Unlock()
	var errs []error
	for _, f := range files {
		if _, err := r.LoadFile(ctx, root, f); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Root is the widgets folder given to LoadDir.
func (r *Runtime) Root() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.root
}

// LoadFile compiles one widget file found under root and puts it in
// service, replacing any version of the same name. On failure nothing
// changes and the error lists every problem found (an errors.Join of
// *Error, each with file:line:col when known).
func (r *Runtime) LoadFile(ctx context.Context, root, file string) (*Widget, error) {
	w, err := r.Compile(ctx, root, file)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.widgets[w.Name] = w
	r.mu.Unlock()
	return w, nil
}

// Compile builds a widget from a file without putting it in service: the
// check tool uses it, and LoadFile on top of it.
func (r *Runtime) Compile(ctx context.Context, root, file string) (*Widget, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if file, err = filepath.Abs(file); err != nil {
		return nil, err
	}
	name, err := NameOf(root, file)
	if err != nil {
		return nil, &Error{Widget: filepath.Base(file), Function: "load", File: display(file), Message: err.Error(), Err: ErrContract}
	}
	w := &Widget{Name: name, File: file, Display: display(file), root: root}
	if w.Source, err = os.ReadFile(file); err != nil {
		return nil, &Error{Widget: name, Function: "load", File: w.Display, Message: err.Error(), Err: ErrNotFound}
	}
	b, cerrs := bundleWidget(root, file)
	if len(cerrs) > 0 {
		errs := make([]error, len(cerrs))
		for i, e := range cerrs {
			e.Widget, e.Function, e.File = name, "load", display(e.File)
			errs[i] = e
		}
		return nil, errors.Join(errs...)
	}
	w.Inputs = b.inputs
	w.Version = versionOf(b.entry + "\x00" + b.imports)
	if mentionsFetch(b.entry) || mentionsFetch(b.imports) {
		w.fetches.Store(true)
	}
	if w.prog, err = compileBundle(filepath.Join(root, bundleName), b.entry); err != nil {
		return nil, &Error{Widget: name, Function: "load", File: w.Display, Message: err.Error(), Err: ErrCompile}
	}
	if b.imports != "" {
		if w.imports, err = compileBundle(filepath.Join(root, bundleName), b.imports); err != nil {
			return nil, &Error{Widget: name, Function: "load", File: w.Display, Message: err.Error(), Err: ErrCompile}
		}
	}
	v, err := r.pool.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("load widget %s: %w", name, err)
	}
	defer r.pool.put(v)
	ns, err := v.load(w)
	if err != nil {
		return nil, err
	}
	def, err := defaultExport(v.rt, ns)
	if err != nil {
		return nil, w.contractError("load", "", err.Error())
	}
	if errs := w.describe(v.rt, def); len(errs) > 0 {
		joined := make([]error, len(errs))
		for i, e := range errs {
			joined[i] = e
		}
		return nil, errors.Join(joined...)
	}
	return w, nil
}

// Reload recompiles the widget called name from the widgets folder. If the
// new version fails, the previous one stays in service and the error is
// returned. If the file is gone, the widget is removed and the error wraps
// ErrNotFound.
func (r *Runtime) Reload(ctx context.Context, name string) (*Widget, error) {
	root := r.Root()
	if root == "" {
		return nil, fmt.Errorf("reload widget %s: no widgets folder loaded", name)
	}
	file := fileOf(root, name)
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		r.Remove(name)
		return nil, fmt.Errorf("reload widget %s: %w", name, ErrNotFound)
	}
	w, err := r.LoadFile(ctx, root, file)
	if err != nil {
		return nil, fmt.Errorf("reload widget %s: %w", name, err)
	}
	return w, nil
}

// Remove takes a widget out of service.
func (r *Runtime) Remove(name string) {
	r.mu.Lock()
	delete(r.widgets, name)
	r.mu.Unlock()
}

// Widget returns the version in service of the widget called name.
func (r *Runtime) Widget(name string) (*Widget, error) {
	r.mu.RLock()
	w := r.widgets[name]
	r.mu.RUnlock()
	if w == nil {
		return nil, fmt.Errorf("widget %s: %w", name, ErrNotFound)
	}
	return w, nil
}

// List returns the widgets in service, sorted by name.
func (r *Runtime) List() []*Widget {
	r.mu.RLock()
	out := make([]*Widget, 0, len(r.widgets))
	for _, w := range r.widgets {
		out = append(out, w)
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Dependents names the widgets in service that bundle file (absolute path):
// the ones to Reload when a lib changes.
func (r *Runtime) Dependents(file string) []string {
	var out []string
	for _, w := range r.List() {
		if slices.Contains(w.Inputs, file) {
			out = append(out, w.Name)
		}
	}
	return out
}

// Source returns the widget file as written (what the browser imports) and
// its version.
func (r *Runtime) Source(name string) ([]byte, string, error) {
	w, err := r.Widget(name)
	if err != nil {
		return nil, "", err
	}
	return w.Source, w.Version, nil
}
