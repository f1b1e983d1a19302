package engine

import (
	"context"
	"sync"
	"time"

	"hubs/runtime"
)

// Keeping the rebuild path warm (WithKeepWarm).
//
// On some machines, this project's VM among them, memory left alone for a few hundred
// milliseconds is slow to touch again (there 2-6 µs for each 4 KiB page, which the
// hypervisor maps anew), and a rebuild after such a pause runs 5-40 times slower than one
// right after another. On a big site with few hubs open, every rebuild comes after such a
// pause. So while the bus is busy and pages are open, the engine fills the gaps between
// rebuilds by running data() again for an instance it rebuilt lately, and drops what it
// returns: the interpreter, a JS runtime, the allocator's memory, a database connection
// and the server process behind it stay warm for the next real rebuild.

const (
	// warmBusy: the bus counts as busy while a message came in this long ago or less.
	warmBusy = time.Second
	// warmOpen: pages count as open while data was built this long ago or less (with lazy
	// rebuilds, serve's default, only watched hubs are rebuilt at once, others when a page
	// asks).
	warmOpen = time.Minute
)

// warmQuiet is how many ticks the rebuild path must have been without a real rebuild
// before the first warm-up: where rebuilds follow each other closely (every hub watched,
// 100 messages a second) the path is warm already, and warm-ups would only add work and
// garbage.
const warmQuiet = 4

// warmShare bounds what warm-ups cost: after one that ran for d, the next waits at least
// warmShare x d, so they take at most one part in warmShare+1 of a core (a widget whose
// data() takes 2 ms is warmed every 40 ms at most, not every tick), and what they
// allocate, which brings collections sooner, is bounded alike.
const warmShare = 19

// warmer is the state of the keep-warm loop, under its own lock.
type warmer struct {
	mu sync.Mutex
	// byName is the last instance of each widget (that does not fetch) rebuilt with
	// success, and names the order they are warmed in, in turn.
	byName  map[string]*instance
	names   []string
	next    int
	message time.Time // the last bus message handled
	rebuilt time.Time // the last real rebuild that succeeded, of a widget that does not fetch
	built   time.Time // the last real rebuild that succeeded
	warmed  time.Time // the last warm-up's end
	rest    time.Time // no warm-up before (warmShare)
	// wake has a token when a message came in: the loop, parked while the bus is quiet,
	// ticks again (nil in tests that use a warmer alone: never sent to then).
	wake chan struct{}
}

// noteBuilt notes a rebuild of in (an instance of widget name) that succeeded.
func (w *warmer) noteBuilt(in *instance, name string, fetches bool, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.built = now
	if fetches {
		return // its data() would ask an upstream service: never run for nothing
	}
	w.rebuilt = now
	if w.byName == nil {
		w.byName = map[string]*instance{}
	}
	if _, ok := w.byName[name]; !ok {
		w.names = append(w.names, name)
	}
	w.byName[name] = in
}

// ended notes a warm-up that ended at now after running for took.
func (w *warmer) ended(now time.Time, took time.Duration) {
	w.mu.Lock()
	w.warmed = now
	w.rest = now.Add(warmShare * took)
	w.mu.Unlock()
}

// handled notes a bus message.
func (w *warmer) handled(now time.Time) {
	w.mu.Lock()
	w.message = now
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// quiet says whether no message came in for warmBusy.
func (w *warmer) quiet(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return now.Sub(w.message) > warmBusy
}

// due returns the instance to warm at now, ticking every tick, with its widget's name, or
// nil: only when the bus is busy, pages are open, no real rebuild came in the last
// warmQuiet ticks, no warm-up in the last one, and the last one's rest is over.
func (w *warmer) due(now time.Time, tick time.Duration) (*instance, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.names) == 0 || now.Sub(w.message) > warmBusy || now.Sub(w.rebuilt) > warmOpen ||
		now.Sub(w.built) < warmQuiet*tick || now.Sub(w.warmed) < tick || now.Before(w.rest) {
		return nil, ""
	}
	w.next %= len(w.names)
	name := w.names[w.next]
	w.next++
	return w.byName[name], name
}

// forget drops in, which may not be warmed again (removed, its widget gone or failing).
func (w *warmer) forget(in *instance, name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byName[name] != in {
		return
	}
	delete(w.byName, name)
	for i, n := range w.names {
		if n == name {
			w.names = append(w.names[:i], w.names[i+1:]...)
			break
		}
	}
}

// keepWarm warms one instance on each tick of every that is due (see warmer.due). While
// the bus is quiet it does not tick: an idle server stays idle.
func (e *Engine) keepWarm(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := e.opt.now()
		if e.warm.quiet(now) {
			t.Stop()
			select {
			case <-ctx.Done():
				return
			case <-e.warm.wake:
			}
			t.Reset(every)
			continue
		}
		if in, name := e.warm.due(now, every); in != nil {
			e.warmUp(ctx, in, name)
		}
	}
}

// warmUp runs in's data() and drops the result: nothing is cached or published.
func (e *Engine) warmUp(ctx context.Context, in *instance, name string) {
	start := time.Now()
	defer func() { e.warm.ended(e.opt.now(), time.Since(start)) }()
	e.mu.RLock()
	inst := in.runtimeInstance()
	e.mu.RUnlock()
	w, err := e.rt.Widget(inst.Name)
	if e.lookup(in.id) != in || err != nil || w.Fetches() || inst.Name != name {
		e.warm.forget(in, name)
		return
	}
	hub, err := e.hubInfo(ctx, inst.Hub)
	if err == nil {
		_, err = e.rt.Data(runtime.WarmUp(ctx), inst, hub)
	}
	if err != nil {
		e.warm.forget(in, name)
		return
	}
	e.metrics.Warmups.Inc()
}
