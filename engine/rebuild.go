package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hubs/runtime"
)

// workQueue is the FIFO of instances waiting for a rebuild. An instance is in it at most
// once (instance.queued), so it never holds more than the number of instances and pushing
// never blocks.
type workQueue struct {
	queued prometheus.Gauge // len(items), for /metrics
	mu     sync.Mutex
	items  []*instance
	wake   chan struct{} // one token: something was pushed
	done   chan struct{} // closed by close: every waiting worker leaves
	closed bool
}

func newWorkQueue(queued prometheus.Gauge) *workQueue {
	return &workQueue{queued: queued, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (q *workQueue) push(in *instance) {
	q.mu.Lock()
	q.items = append(q.items, in)
	q.queued.Set(float64(len(q.items)))
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop waits for an instance; false once the queue is closed.
func (q *workQueue) pop() (*instance, bool) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return nil, false
		}
		if len(q.items) > 0 {
			in := q.items[0]
			q.items[0] = nil
			q.items = q.items[1:]
			q.queued.Set(float64(len(q.items)))
			more := len(q.items) > 0
			q.mu.Unlock()
			if more {
				// Pass the token on: another worker may take the next one.
				select {
				case q.wake <- struct{}{}:
				default:
				}
			}
			return in, true
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-q.done:
		}
	}
}

func (q *workQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.done)
	}
}

// schedule marks in invalidated (by a message received at received) and queues a rebuild
// unless one is queued already; while a rebuild runs, it asks for exactly one more.
func (e *Engine) schedule(in *instance, received time.Time) {
	in.mu.Lock()
	in.gen++
	if e.opt.lazy && !e.streams.watched(in.hub) {
		// Outdated now (its cached entry no longer serves); built on the next Data.
		in.mu.Unlock()
		return
	}
	if !received.IsZero() && (in.since.IsZero() || received.Before(in.since)) {
		in.since = received
	}
	if in.running {
		in.again = true
		in.mu.Unlock()
		return
	}
	if in.queued {
		in.mu.Unlock()
		return
	}
	in.queued = true
	in.mu.Unlock()
	e.queueFor(in).push(in)
}

// queueFor is the queue in's rebuilds wait in: the fetch queue for a widget that fetches,
// else the other (and for a widget no longer loaded: its rebuild publishes the error).
func (e *Engine) queueFor(in *instance) *workQueue {
	e.mu.RLock()
	name := in.name
	e.mu.RUnlock()
	if w, err := e.rt.Widget(name); err == nil && w.Fetches() {
		return e.fetchQueue
	}
	return e.queue
}

func (e *Engine) closeQueues() {
	e.queue.close()
	e.fetchQueue.close()
}

// work is one rebuild worker, on queue q.
func (e *Engine) work(ctx context.Context, q *workQueue) {
	for {
		in, ok := q.pop()
		if !ok {
			return
		}
		if other := e.queueFor(in); other != q {
			// Its widget was found to fetch (a data() call reached ctx.fetch) while it
			// waited here: it waits on the fetch workers instead, still queued.
			other.push(in)
			continue
		}
		in.mu.Lock()
		in.queued, in.running = false, true
		since := in.since
		in.since = time.Time{}
		in.mu.Unlock()

		e.rebuild(ctx, in, since)

		in.mu.Lock()
		in.running = false
		again := in.again
		in.again = false
		if again {
			in.queued = true
		}
		in.mu.Unlock()
		if again {
			e.queueFor(in).push(in)
		}
	}
}

// rebuild builds in's data for its current generation and publishes it: fresh data, the
// last good data marked stale with the error, or an error update when there is none.
func (e *Engine) rebuild(ctx context.Context, in *instance, since time.Time) {
	if e.lookup(in.id) != in {
		return // removed meanwhile
	}
	e.mu.RLock()
	name, hash := in.name, in.configHash
	e.mu.RUnlock()
	u := Update{Kind: KindData, Hub: in.hub, WidgetID: in.id, Widget: name}
	w, err := e.rt.Widget(name)
	if err != nil {
		u.Kind, u.Error = KindError, e.publicError(in, name, err)
		e.publish(u, since)
		return
	}
	ent, err := e.build(ctx, in, cacheKey(in.id, hash, w.Version))
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return // shutting down
		}
		u.Kind, u.Error, u.Pos = KindError, e.publicError(in, name, err), errorPos(err)
		u.Version = w.Version
		e.publish(u, since)
		return
	}
	u.Data, u.Version, u.Stale = ent.data, ent.version, ent.stale
	if ent.err != nil {
		u.Error, u.Pos = e.publicError(in, name, ent.err), errorPos(ent.err)
	}
	e.publish(u, since)
}

// errInternalPublic is what every client of a hub is told when a widget's data failed
// for a reason other than the widget's own code: the real error (a database error may
// name tables or hosts) goes to the log only.
const errInternalPublic = "the widget's data could not be built; the error is in the server log"

// publicError is what an update of in (an instance of the widget name), streamed to every
// client of its hub, may say about err: a widget error's position and message without its
// stack (as the server's JSON route says it), "the widget is not available" for a widget
// whose code is not loaded, and for anything else errInternalPublic, the real error being
// logged here (at most once a minute per widget: a database down fails every rebuild).
func (e *Engine) publicError(in *instance, name string, err error) string {
	var we *runtime.Error
	if errors.As(err, &we) {
		if p := we.Pos(); p != "" {
			return p + ": " + we.Message
		}
		return we.Message
	}
	if errors.Is(err, runtime.ErrNotFound) {
		return "the widget is not available"
	}
	if ok, suppressed := e.errLog.allow("\x00build\x00" + name); ok {
		e.log.Error("engine: widget data could not be built", "widget", name, "id", in.id, "hub", in.hub,
			"err", err, "suppressed_since_last", suppressed)
	}
	return errInternalPublic
}

// errorPos is the file:line:col of the first widget error in err, or "".
func errorPos(err error) string {
	var we *runtime.Error
	if errors.As(err, &we) {
		return we.Pos()
	}
	return ""
}
