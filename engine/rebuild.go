package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"hubs/runtime"
)

// workQueue is the FIFO of instances waiting for a rebuild. An instance is in it at most
// once (instance.queued), so it never holds more than the number of instances and pushing
// never blocks.
type workQueue struct {
	mu     sync.Mutex
	items  []*instance
	wake   chan struct{} // one token: something was pushed
	done   chan struct{} // closed by close: every waiting worker leaves
	closed bool
}

func newWorkQueue() *workQueue {
	return &workQueue{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (q *workQueue) push(in *instance) {
	q.mu.Lock()
	q.items = append(q.items, in)
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
	e.queue.push(in)
}

// work is one rebuild worker.
func (e *Engine) work(ctx context.Context) {
	for {
		in, ok := e.queue.pop()
		if !ok {
			return
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
			e.queue.push(in)
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
		u.Kind, u.Error = KindError, err.Error()
		e.publish(u, since)
		return
	}
	ent, err := e.build(ctx, in, cacheKey(in.id, hash, w.Version))
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return // shutting down
		}
		u.Kind, u.Error, u.Pos = KindError, err.Error(), errorPos(err)
		u.Version = w.Version
		e.publish(u, since)
		return
	}
	u.Data, u.Version, u.Stale = ent.data, ent.version, ent.stale
	if ent.err != nil {
		u.Error, u.Pos = ent.err.Error(), errorPos(ent.err)
	}
	e.publish(u, since)
}

// errorPos is the file:line:col of the first widget error in err, or "".
func errorPos(err error) string {
	var we *runtime.Error
	if errors.As(err, &we) {
		return we.Pos()
	}
	return ""
}
