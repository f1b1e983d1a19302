// Package engine keeps every widget instance's data fresh: it holds the instances of the
// store, caches their data (ristretto, keyed by instance and a hash of its config and code
// version), finds the instances a bus message can concern through a hint index, asks their
// shouldInvalidate, rebuilds the ones that say yes on a bounded worker pool (coalesced per
// instance), and publishes the new data on a per-hub update stream that the server turns
// into Server-Sent Events. Store changes become hubs.widget.update / hubs.hub.update
// messages on the same path; in development it also reloads widget code as files change.
//
// # Data and staleness
//
// Each instance has a generation, bumped by every invalidation. A cached entry serves
// while its generation is current; an older one is kept as the fallback: when a rebuild
// fails, the last good data keeps serving, marked stale with the error, and only a caller
// with no good data at all gets the error. Concurrent callers of Data share one build
// (singleflight), and so does a rebuild that a message scheduled.
//
// # Rebuilds
//
// An invalidated instance is queued once: a burst of messages for it while it is queued
// changes nothing, and messages that arrive while it is being rebuilt queue exactly one
// more rebuild, which starts after the last of them. So a burst of 1,000 messages costs a
// handful of rebuilds and the data after the burst reflects the last message.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	goruntime "runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"hubs/runtime"
	"hubs/store"
)

// ErrNotFound means no widget instance has that id.
var ErrNotFound = errors.New("widget instance not found")

type options struct {
	cacheMB     int
	cacheBytes  int64 // overrides cacheMB when set: the tests' tiny caches
	workers     int
	fetchers    int
	replay      int
	idleTTL     time.Duration
	topicPrefix string
	metrics     *Metrics
	log         *slog.Logger
	dev         bool
	lazy        bool
	startWait   time.Duration
	debounce    time.Duration
	now         func() time.Time
	warmEvery   time.Duration
}

// Option configures an Engine.
type Option func(*options)

// WithCacheMB bounds the data cache (HUBS_CACHE_MB; default 64): the cost of an entry is
// its size in bytes.
func WithCacheMB(mb int) Option { return func(o *options) { o.cacheMB = mb } }

// WithWorkers sets how many rebuilds run at once (default GOMAXPROCS), besides those of
// widgets that fetch (WithFetchWorkers).
func WithWorkers(n int) Option { return func(o *options) { o.workers = n } }

// WithFetchWorkers sets how many rebuilds of widgets that fetch (runtime.Widget.Fetches)
// run at once (default runtime.DefaultFetchPoolSize; give the runtime as many with
// runtime.WithFetchPoolSize). They have a queue and workers of their own: such a rebuild
// may wait seconds on an upstream, and a slow upstream must not hold back the updates of
// the widgets that only read the archive.
func WithFetchWorkers(n int) Option { return func(o *options) { o.fetchers = n } }

// WithReplay sets how many updates each watched hub keeps for subscribers that reconnect
// (default 128), and how long a hub's buffer outlives its last subscriber (default 2m).
func WithReplay(updates int, idle time.Duration) Option {
	return func(o *options) { o.replay, o.idleTTL = updates, idle }
}

// WithTopicPrefix sets the "<prefix>.<env>" of the engine's own messages (default
// "org.fedoraproject.prod", so widgets match "hubs.widget.update" as Fedora's did).
func WithTopicPrefix(p string) Option { return func(o *options) { o.topicPrefix = p } }

// WithMetrics sets the collectors the engine counts into (default: its own, unregistered;
// see Engine.Metrics).
func WithMetrics(m *Metrics) Option { return func(o *options) { o.metrics = m } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithDev turns on hot reload of widget code (HUBS_DEV / --dev): the runtime's widgets
// folder is watched from Start on.
func WithDev(on bool) Option { return func(o *options) { o.dev = on } }

// WithLazyUnwatched makes invalidations of instances on hubs nobody watches (no
// subscriber now, nor in the replay window) only mark their data outdated: the next Data
// call rebuilds it, and nothing is published. Off by default (every invalidation
// rebuilds and publishes). On a big site almost every hub is unwatched at any moment, and
// the costly widgets (a feed: 10-20 ms of data()) are then rebuilt only when looked at.
func WithLazyUnwatched(on bool) Option { return func(o *options) { o.lazy = on } }

// WithDebounce sets how long the watcher waits for a folder to be quiet before reloading
// (default 100ms): editors write a file in several steps.
func WithDebounce(d time.Duration) Option { return func(o *options) { o.debounce = d } }

// WithKeepWarm keeps the rebuild path warm (see warm.go) on machines where memory left
// alone for a while is slow to touch again: while the bus is busy (a message in the last
// second) and pages are open (data built in the last minute), each tick of every that
// comes after four without a rebuild runs data() again for one of the instances rebuilt
// lately, in turn, and drops its result; after a warm-up that ran for d, none comes
// before 19 x d. 0 (the default) turns it off; hubs serve runs with DefaultKeepWarm
// unless HUBS_KEEP_WARM says otherwise.
func WithKeepWarm(d time.Duration) Option { return func(o *options) { o.warmEvery = d } }

// DefaultKeepWarm is hubs serve's WithKeepWarm (README, Performance, "Eleventh session":
// at 100 messages a second with one hub in twenty watched, it cut the update latency's
// p99 by half or more, for some 7% of a core).
const DefaultKeepWarm = 5 * time.Millisecond

// Engine is described in the package comment. It is safe for concurrent use.
type Engine struct {
	opt     options
	store   *store.Store
	rt      *runtime.Runtime
	host    Host
	log     *slog.Logger
	metrics *Metrics
	cache   *dataCache
	flight  singleflight.Group
	streams *streams
	queue   *workQueue // rebuilds of the widgets that only read the archive
	// fetchQueue: rebuilds of the widgets that fetch (runtime.Widget.Fetches), on
	// workers of their own
	fetchQueue *workQueue
	changes    *changeQueue
	errLog     *errLimiter

	mu        sync.RWMutex
	instances map[int64]*instance
	index     *index
	hubs      map[string]runtime.Hub // ctx.hub, cached; dropped on hub and role changes

	// observe, when set (benchmarks), sees every update with its message-to-update latency.
	observe atomic.Pointer[func(Update, time.Duration)]

	warm    warmer        // WithKeepWarm
	ready   chan struct{} // closed when the instances loaded at start are indexed
	started bool
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

// instance is one widget placed on a hub. id, hub are fixed; name and config change under
// Engine.mu (a config saved); the rebuild state under its own mu.
type instance struct {
	id   int64
	hub  string
	name string
	// config is the instance's config as stored, and configHash its hash (part of the key).
	config     json.RawMessage
	configHash uint64
	indexed    bool // in the hint index (or nothing to index): set once, under Engine.mu

	mu      sync.Mutex
	gen     uint64    // bumped by every invalidation
	queued  bool      // in the work queue
	running bool      // a worker is rebuilding it
	again   bool      // invalidated while running: rebuild once more
	since   time.Time // when the oldest message not yet reflected in its data arrived
	lastKey string    // the key of its last good data, the fallback when a rebuild fails
}

func (in *instance) runtimeInstance() runtime.Instance {
	return runtime.Instance{ID: in.id, Name: in.name, Hub: in.hub, Config: in.config}
}

func (in *instance) generation() uint64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.gen
}

func hashConfig(config json.RawMessage) uint64 {
	h := fnv.New64a()
	h.Write(config)
	return h.Sum64()
}

// cacheKey is "<id>:<hash of config and code version>".
func cacheKey(id int64, configHash uint64, version string) string {
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(configHash >> (8 * i))
	}
	h.Write(b[:])
	h.Write([]byte(version))
	return strconv.FormatInt(id, 10) + ":" + strconv.FormatUint(h.Sum64(), 16)
}

// entry is what the cache holds for one key.
type entry struct {
	data    json.RawMessage
	version string
	gen     uint64
	built   time.Time
	stale   bool
	err     error
}

// entryOverhead is counted on top of the data bytes for each cache entry.
const entryOverhead = 128

// New makes an engine on the store and the runtime (whose widgets are loaded). Nothing
// runs until Start.
func New(st *store.Store, rt *runtime.Runtime, opts ...Option) (*Engine, error) {
	o := options{cacheMB: 64, workers: goruntime.GOMAXPROCS(0), fetchers: runtime.DefaultFetchPoolSize, replay: 128, idleTTL: 2 * time.Minute,
		topicPrefix: "org.fedoraproject.prod", log: slog.Default(), debounce: 100 * time.Millisecond, now: time.Now,
		startWait: 5 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	if st == nil || rt == nil {
		return nil, errors.New("engine: a store and a runtime are required")
	}
	if o.cacheMB <= 0 {
		return nil, fmt.Errorf("engine: cache size %d MB: must be positive", o.cacheMB)
	}
	if o.workers <= 0 {
		o.workers = 1
	}
	if o.fetchers <= 0 {
		o.fetchers = runtime.DefaultFetchPoolSize // as the runtime's own fetch pool
	}
	if o.replay <= 0 {
		o.replay = 128
	}
	if o.metrics == nil {
		o.metrics = NewMetrics()
	}
	maxCost := int64(o.cacheMB) << 20
	if o.cacheBytes > 0 {
		maxCost = o.cacheBytes
	}
	cache, err := newDataCache(maxCost)
	if err != nil {
		return nil, fmt.Errorf("engine: data cache: %w", err)
	}
	e := &Engine{
		opt: o, store: st, rt: rt, host: Host{Store: st}, log: o.log, metrics: o.metrics, cache: cache,
		streams: newStreams(o.replay, o.idleTTL, o.now()), queue: newWorkQueue(o.metrics.Queued.WithLabelValues(queueLocal)),
		fetchQueue: newWorkQueue(o.metrics.Queued.WithLabelValues(queueFetch)),
		changes:    newChangeQueue(),
		errLog:     newErrLimiter(time.Minute), instances: map[int64]*instance{}, index: newIndex(),
		hubs: map[string]runtime.Hub{}, ready: make(chan struct{}), warm: warmer{wake: make(chan struct{}, 1)},
	}
	// Registered now, not at Start, so that no change committed between loading the
	// instances and starting is missed; the queue holds them until Start.
	st.OnChange(e.changes.push)
	return e, nil
}

// Metrics are the collectors the engine counts into, for the caller to register.
func (e *Engine) Metrics() *Metrics { return e.metrics }

// Runtime is the widget runtime the engine runs.
func (e *Engine) Runtime() *runtime.Runtime { return e.rt }

// Start loads every widget instance from the store, starts indexing them (see Ready: it
// returns when that is done or after 5 seconds, whichever comes first), and starts the
// rebuild workers, the store change consumer and, with WithDev, the widget folder watcher.
// They run until ctx is done or Close.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.started {
		e.mu.Unlock()
		return errors.New("engine: already started")
	}
	e.started = true
	e.mu.Unlock()
	all, err := e.loadInstances(ctx)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(ctx)
	e.mu.Lock()
	e.stop = stop
	e.mu.Unlock()
	for range e.opt.workers {
		e.wg.Go(func() { e.work(ctx, e.queue) })
	}
	for range e.opt.fetchers {
		e.wg.Go(func() { e.work(ctx, e.fetchQueue) })
	}
	e.wg.Go(func() { e.indexAll(ctx, all) })
	e.wg.Go(func() { e.consumeChanges(ctx) })
	e.wg.Go(func() { e.sweep(ctx) })
	if e.opt.warmEvery > 0 {
		e.wg.Go(func() { e.keepWarm(ctx, e.opt.warmEvery) })
	}
	if e.opt.dev {
		w, err := e.watch(ctx)
		if err != nil {
			stop()
			e.closeQueues()
			e.wg.Wait()
			return err
		}
		e.wg.Go(func() { w.run(ctx) })
	}
	context.AfterFunc(ctx, e.closeQueues)
	// A small site is indexed in milliseconds: Start returns with it done, and callers
	// need not know about Ready. A big one goes on indexing in the background.
	select {
	case <-e.ready:
	case <-time.After(e.opt.startWait):
		e.log.Info("engine: serving while the hint index is built", "instances", len(all))
	}
	return nil
}

// Close stops the engine's goroutines and waits for them; rebuilds in flight finish.
func (e *Engine) Close() {
	e.mu.Lock()
	stop := e.stop
	e.mu.Unlock()
	if stop != nil {
		stop()
	}
	e.closeQueues()
	e.changes.close()
	e.wg.Wait()
	e.cache.Close()
}

// loadInstances reads every widget of every hub. Indexing them is left to indexAll.
func (e *Engine) loadInstances(ctx context.Context) ([]*instance, error) {
	ws, err := e.store.ListAllWidgets(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	out := make([]*instance, 0, len(ws))
	for _, w := range ws {
		in, _, _ := e.addInstance(w)
		out = append(out, in)
	}
	e.log.Info("engine: widget instances loaded", "instances", len(ws))
	return out, nil
}

// indexAll indexes the instances loaded at start, on every core, then closes ready.
//
// It runs in the background because it calls hints.usernames(config) for each instance:
// about 3 s for 140,000 instances (one shared module evaluation per widget version and
// runtime; it was minutes when each instance evaluated its own). Serving meanwhile is correct: an instance not yet
// indexed misses invalidations, but it has nothing cached to invalidate, since Data indexes
// an instance before it builds its data for the first time.
func (e *Engine) indexAll(ctx context.Context, all []*instance) {
	defer close(e.ready)
	start := time.Now()
	next := make(chan *instance)
	var wg sync.WaitGroup
	for range goruntime.GOMAXPROCS(0) {
		wg.Go(func() {
			for in := range next {
				e.mu.RLock()
				done := in.indexed
				snap := in.runtimeInstance()
				e.mu.RUnlock()
				if !done {
					e.indexInstance(ctx, snap)
				}
			}
		})
	}
	for _, in := range all {
		if ctx.Err() != nil {
			break
		}
		next <- in
	}
	close(next)
	wg.Wait()
	if ctx.Err() == nil {
		e.log.Info("engine: hint index ready", "instances", len(all), "took", time.Since(start).Round(time.Millisecond))
	}
}

// Ready is closed once every instance loaded at Start is in the hint index (Start returns
// before that; see indexAll).
func (e *Engine) Ready() <-chan struct{} { return e.ready }

// addInstance adds or updates the instance of w, without indexing it. changed says
// whether it is new or its config changed; oldKey is the cache key of the old config's
// data, to delete.
func (e *Engine) addInstance(w store.Widget) (in *instance, changed bool, oldKey string) {
	config := w.Config
	if len(config) == 0 {
		config = json.RawMessage("{}")
	}
	hash := hashConfig(config)
	e.mu.Lock()
	defer e.mu.Unlock()
	in = e.instances[w.ID]
	if in == nil {
		in = &instance{id: w.ID, hub: w.Hub, name: w.Name, config: config, configHash: hash}
		e.instances[w.ID] = in
		return in, true, ""
	}
	if in.configHash != hash || in.name != w.Name {
		in.name, in.config, in.configHash = w.Name, config, hash
		in.mu.Lock()
		oldKey, in.lastKey = in.lastKey, ""
		in.gen++
		in.mu.Unlock()
		return in, true, oldKey
	}
	return in, false, ""
}

// putInstance adds or updates the instance of w and (re)indexes it. It reports whether the
// instance is new or its config changed (its data must be built again).
func (e *Engine) putInstance(ctx context.Context, w store.Widget) (changed bool) {
	in, changed, oldKey := e.addInstance(w)
	if oldKey != "" {
		// The data of the old config is not this instance's data any more: it must not
		// even serve as a stale fallback.
		e.cache.Del(oldKey)
	}
	e.mu.RLock()
	snap := in.runtimeInstance()
	e.mu.RUnlock()
	e.indexInstance(ctx, snap)
	return changed
}

// indexInstance computes the hints of inst and puts it in the index. An instance whose
// widget is not loaded is not indexed (there is no code to ask); one whose
// hints.usernames fails is indexed under its static hints, or as hint-less when it has
// none, so that it misses nothing.
func (e *Engine) indexInstance(ctx context.Context, inst runtime.Instance) {
	w, err := e.rt.Widget(inst.Name)
	if err != nil {
		e.mu.Lock()
		e.index.remove(inst.ID)
		if cur := e.instances[inst.ID]; cur != nil {
			cur.indexed = true // nothing to index until the widget's code comes
		}
		e.metrics.Instances.Set(float64(e.index.len()))
		e.mu.Unlock()
		return
	}
	h, err := e.rt.Hints(ctx, inst)
	if w.Hints.UsernamesFn {
		e.metrics.countJS(fnHints, 1, err)
	}
	if err != nil {
		e.logWidgetError(inst.Name, "hints", err)
		h = runtime.Hints{Topics: w.Hints.Topics, Categories: w.Hints.Categories}
	}
	e.mu.Lock()
	// Only for the config the hints were computed from: a slow computation for an old
	// config must not overwrite the entry of a newer one, indexed meanwhile.
	if cur := e.instances[inst.ID]; cur != nil && cur.name == inst.Name && cur.configHash == hashConfig(inst.Config) {
		e.index.put(inst.ID, inst.Hub, inst.Name, h)
		cur.indexed = true
	}
	e.metrics.Instances.Set(float64(e.index.len()))
	e.mu.Unlock()
}

// removeInstance forgets instance id and its cached data.
func (e *Engine) removeInstance(id int64) {
	e.mu.Lock()
	in := e.instances[id]
	delete(e.instances, id)
	e.index.remove(id)
	e.metrics.Instances.Set(float64(e.index.len()))
	e.mu.Unlock()
	if in == nil {
		return
	}
	in.mu.Lock()
	key := in.lastKey
	in.lastKey = ""
	in.gen++
	in.mu.Unlock()
	if key != "" {
		e.cache.Del(key)
	}
}

func (e *Engine) lookup(id int64) *instance {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.instances[id]
}

// instancesOf returns the instances of the widget called name.
func (e *Engine) instancesOf(name string) []*instance {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []*instance
	for _, in := range e.instances {
		if in.name == name {
			out = append(out, in)
		}
	}
	return out
}

// Data is one widget instance's data as served.
type Data struct {
	// JSON is data()'s result: the bytes GET /{hub}/{idx}/json returns and updates carry.
	JSON    json.RawMessage
	Widget  string // the widget's name
	Hub     string
	Version string // the widget code version that built it
	Built   time.Time
	// Stale is set when the latest rebuild failed and this is the last good data; Err
	// says why the rebuild failed.
	Stale bool
	Err   error
}

// Data returns the data of widget instance id: from the cache, or built once for all the
// callers asking at the same time. When the latest build failed, the last good data is
// returned marked Stale; with no good data, the build's error is returned.
func (e *Engine) Data(ctx context.Context, id int64) (Data, error) {
	in := e.lookup(id)
	if in == nil {
		return Data{}, fmt.Errorf("widget %d: %w", id, ErrNotFound)
	}
	e.mu.RLock()
	name, hash, indexed := in.name, in.configHash, in.indexed
	snap := in.runtimeInstance()
	e.mu.RUnlock()
	if !indexed {
		// Still being indexed after start: this instance first, or an invalidation
		// could miss the data about to be cached.
		e.indexInstance(ctx, snap)
	}
	w, err := e.rt.Widget(name)
	if err != nil {
		return Data{}, fmt.Errorf("data of widget %d: %w", id, err)
	}
	key := cacheKey(id, hash, w.Version)
	if ent, ok := e.cache.Get(key); ok && ent.gen >= in.generation() {
		e.metrics.CacheHits.Inc()
		return ent.public(name, in.hub), nil
	}
	e.metrics.CacheMisses.Inc()
	ent, err := e.build(ctx, in, key)
	if err != nil {
		return Data{}, err
	}
	return ent.public(name, in.hub), nil
}

func (ent *entry) public(name, hub string) Data {
	return Data{JSON: ent.data, Widget: name, Hub: hub, Version: ent.version, Built: ent.built, Stale: ent.stale, Err: ent.err}
}

// build runs data() for in (one run shared by every caller for the same key and
// generation) and caches the result, or the stale fallback when it fails.
func (e *Engine) build(ctx context.Context, in *instance, key string) (*entry, error) {
	gen := in.generation()
	ch := e.flight.DoChan(key+"#"+strconv.FormatUint(gen, 10), func() (any, error) {
		// The build is shared: the first caller going away must not cancel it for the
		// others. data() is bounded by the runtime's own limit.
		return e.runBuild(context.WithoutCancel(ctx), in, key, gen)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*entry), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (e *Engine) runBuild(ctx context.Context, in *instance, key string, gen uint64) (*entry, error) {
	e.mu.RLock()
	inst := in.runtimeInstance()
	hash := in.configHash
	e.mu.RUnlock()
	w, err := e.rt.Widget(inst.Name)
	if err != nil {
		return nil, fmt.Errorf("data of widget %d: %w", inst.ID, err)
	}
	hub, err := e.hubInfo(ctx, inst.Hub)
	if err != nil {
		e.metrics.Rebuilds.WithLabelValues(ResultError).Inc()
		return e.fallback(in, key, gen, fmt.Errorf("data of widget %d: hub %s: %w", inst.ID, inst.Hub, err))
	}
	data, err := e.rt.Data(ctx, inst, hub)
	e.metrics.countJS(fnData, 1, err)
	if err != nil {
		e.metrics.Rebuilds.WithLabelValues(ResultError).Inc()
		e.logWidgetError(inst.Name, "data", err)
		return e.fallback(in, key, gen, err)
	}
	e.metrics.Rebuilds.WithLabelValues(ResultOK).Inc()
	e.warm.noteBuilt(in, inst.Name, w.Fetches(), e.opt.now())
	ent := &entry{data: data, version: w.Version, gen: gen, built: time.Now()}
	if !e.cache.Set(key, ent) {
		// Not kept (too large, or not admitted): the last good data stays the fallback,
		// and the callers of this build still get ent.
		return ent, nil
	}
	// Under e.mu, so that a config saved meanwhile (putInstance holds e.mu to change it
	// and clear lastKey) is either seen here or comes after.
	e.mu.RLock()
	reconfigured := in.configHash != hash
	var old string
	if !reconfigured {
		in.mu.Lock()
		old, in.lastKey = in.lastKey, key
		in.mu.Unlock()
	}
	e.mu.RUnlock()
	if reconfigured {
		// The config changed while data() ran: this is the old config's data, which
		// must not become the fallback of the new one. The callers that asked for the
		// old key still get it.
		e.cache.Del(key)
		return ent, nil
	}
	if old != "" && old != key {
		e.cache.Del(old)
	}
	return ent, nil
}

// fallback serves the last good data of in, marked stale with err, or fails with err when
// there is none.
func (e *Engine) fallback(in *instance, key string, gen uint64, err error) (*entry, error) {
	in.mu.Lock()
	last := in.lastKey
	in.mu.Unlock()
	if last == "" {
		return nil, err
	}
	good, ok := e.cache.Get(last)
	if !ok {
		return nil, err
	}
	ent := &entry{data: good.data, version: good.version, gen: gen, built: good.built, stale: true, err: err}
	// Cached under the current key too, so that callers are served the stale data
	// instead of each running the failing data() again; the next invalidation retries.
	e.cache.Set(key, ent)
	return ent, nil
}

// hubInfo returns ctx.hub for hub, from the engine's copy when it has one.
func (e *Engine) hubInfo(ctx context.Context, hub string) (runtime.Hub, error) {
	e.mu.RLock()
	h, ok := e.hubs[hub]
	e.mu.RUnlock()
	if ok {
		return h, nil
	}
	h, err := e.host.Hub(ctx, hub)
	if err != nil {
		return runtime.Hub{}, err
	}
	e.mu.Lock()
	e.hubs[hub] = h
	e.mu.Unlock()
	return h, nil
}

func (e *Engine) forgetHub(hub string) {
	e.mu.Lock()
	delete(e.hubs, hub)
	e.mu.Unlock()
}

// Subscribe opens a cursor over hub's updates. lastID 0 starts from now; the id of the
// last update a client saw (SSE's Last-Event-ID) resumes after it, or starts with a
// KindReload when what it missed is no longer buffered. Close the subscription when done.
func (e *Engine) Subscribe(hub string, lastID uint64) *Subscription {
	sub := e.streams.subscribe(hub, lastID)
	e.metrics.Subscribers.Inc()
	sub.onEnd = e.metrics.Subscribers.Dec
	return sub
}

// Watch says a page of hub is being rendered now: from this call on, hub counts as
// watched for the replay window (WithReplay's idle time) even before its page's stream
// connects, so its invalidations are rebuilt and published (WithLazyUnwatched), and kept
// for that stream. It returns the id to resume from: a page that renders its data after
// Watch and subscribes with that id misses no update. Call it before reading the data.
func (e *Engine) Watch(hub string) uint64 {
	return e.streams.watch(hub, time.Now())
}

// publish puts u on its hub's stream, and observes the message-to-update latency.
func (e *Engine) publish(u Update, since time.Time) {
	if u.Time.IsZero() {
		u.Time = time.Now()
	}
	e.streams.publish(u)
	if !since.IsZero() {
		d := time.Since(since)
		e.metrics.Latency.Observe(d.Seconds())
		if f := e.observe.Load(); f != nil {
			(*f)(u, d)
		}
	}
}

func (e *Engine) sweep(ctx context.Context) {
	t := time.NewTicker(max(e.opt.idleTTL/4, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			e.streams.sweep(now)
		}
	}
}

// logWidgetError logs a widget's failure at most once a minute per widget and function:
// one broken widget on 20,000 hubs must not flood the log.
func (e *Engine) logWidgetError(widget, fn string, err error) {
	if ok, suppressed := e.errLog.allow(widget + "\x00" + fn); ok {
		e.log.Warn("engine: widget failed", "widget", widget, "function", fn, "err", err, "suppressed_since_last", suppressed)
	}
}

// errLimiter lets one log line a key through per window and counts the rest.
type errLimiter struct {
	window time.Duration
	mu     sync.Mutex
	last   map[string]time.Time
	count  map[string]int
}

func newErrLimiter(window time.Duration) *errLimiter {
	return &errLimiter{window: window, last: map[string]time.Time{}, count: map[string]int{}}
}

func (l *errLimiter) allow(key string) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if t, ok := l.last[key]; ok && now.Sub(t) < l.window {
		l.count[key]++
		return false, 0
	}
	n := l.count[key]
	l.last[key], l.count[key] = now, 0
	return true, n
}
