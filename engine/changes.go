package engine

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"hubs/fedmsg"
	"hubs/store"
)

// sourceName is the source_name of the engine's own messages.
const sourceName = "hubs"

// changeQueue carries store changes from the writer's goroutine (store.OnChange must be
// quick) to the engine's consumer. It is unbounded on purpose: a change dropped would be a
// widget that never shows its new config; changes come from people saving forms, so the
// queue stays short.
type changeQueue struct {
	mu     sync.Mutex
	items  []store.Change
	wake   chan struct{}
	closed bool
}

func newChangeQueue() *changeQueue { return &changeQueue{wake: make(chan struct{}, 1)} }

func (q *changeQueue) push(c store.Change) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, c)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns everything queued, waiting until there is something or ctx is done.
func (q *changeQueue) take(ctx context.Context) ([]store.Change, bool) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return nil, false
		}
		if len(q.items) > 0 {
			items := q.items
			q.items = nil
			q.mu.Unlock()
			return items, true
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-ctx.Done():
			return nil, false
		}
	}
}

func (q *changeQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}

func (e *Engine) consumeChanges(ctx context.Context) {
	for {
		batch, ok := e.changes.take(ctx)
		if !ok {
			return
		}
		for _, c := range batch {
			e.applyChange(ctx, c)
		}
	}
}

// applyChange brings the engine up to date with one store change, then sends the
// matching hubs.* message down the invalidation path so that widgets can react in
// shouldInvalidate, as the original Fedora Hubs' did.
//
// A widget created or reconfigured has its data built and published right away, whatever
// its shouldInvalidate says: the data of its old config is gone, and a new config needs new
// data. A widget created, moved or deleted changes the hub's layout.
func (e *Engine) applyChange(ctx context.Context, c store.Change) {
	received := time.Now()
	switch c.Kind {
	case store.ChangeWidget:
		widget := map[string]any{"id": c.WidgetID, "hub": c.Hub}
		var queued int64 // rebuilt for its new config already
		if c.Deleted {
			e.removeInstance(c.WidgetID)
			widget["deleted"] = true
			e.publish(Update{Kind: KindLayout, Hub: c.Hub, WidgetID: c.WidgetID}, time.Time{})
		} else {
			w, err := e.store.GetWidget(ctx, c.WidgetID)
			if errors.Is(err, store.ErrNotFound) {
				// Deleted since: its own change follows.
				return
			}
			if err != nil {
				e.log.Error("engine: store change", "widget", c.WidgetID, "err", err)
				return
			}
			widget["name"] = w.Name
			widget["config"] = w.Config
			changed := e.putInstance(ctx, w)
			// Created, moved or reconfigured: the store does not say which, and the page
			// needs to know of the first two; the client ignores a layout it has. Before
			// the rebuild, so that its data never comes first.
			e.publish(Update{Kind: KindLayout, Hub: c.Hub, WidgetID: c.WidgetID, Widget: w.Name}, time.Time{})
			if changed {
				if in := e.lookup(w.ID); in != nil {
					e.schedule(in, received)
					queued = w.ID
				}
			}
		}
		e.sendInternal(ctx, "widget.update", c.Hub, map[string]any{"widget": widget, "hub": map[string]any{"name": c.Hub}}, nil, received, queued)
	case store.ChangeHub, store.ChangeRole:
		e.forgetHub(c.Hub)
		msg := map[string]any{"hub": map[string]any{"name": c.Hub}}
		var users []string
		if c.Kind == store.ChangeRole {
			msg["role"] = map[string]any{"username": c.Username, "role": c.Role, "removed": c.Deleted}
			users = []string{c.Username}
		}
		e.sendInternal(ctx, "hub.update", c.Hub, msg, users, received, 0)
	}
}

// sendInternal makes a "<prefix>.hubs.<what>" message as fedmsg would and runs it
// through invalidation, limited to the hub's instances and to those hinting one of its
// usernames (see index.candidates). queued is an instance already queued for a rebuild by
// the change (0: none): its shouldInvalidate does not queue it again.
func (e *Engine) sendInternal(ctx context.Context, what, hub string, msg map[string]any, usernames []string, received time.Time, queued int64) {
	env, err := internalEnvelope(e.opt.topicPrefix, what, msg, usernames, received)
	if err != nil {
		e.log.Error("engine: internal message", "topic", what, "err", err)
		return
	}
	if err := e.handle(ctx, env, handling{onlyHub: hub, queued: queued}); err != nil && ctx.Err() == nil {
		e.log.Error("engine: internal message", "topic", env.Topic, "err", err)
	}
}

// internalEnvelope is the envelope of a "<prefix>.hubs.<what>" message, as fedmsg would
// have sent it, naming usernames.
func internalEnvelope(prefix, what string, msg map[string]any, usernames []string, received time.Time) (*fedmsg.Envelope, error) {
	if usernames == nil {
		usernames = []string{}
	}
	msg["agent"] = sourceName
	body, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	env := &fedmsg.Envelope{
		Topic: prefix + ".hubs." + what, Msg: body, MsgID: fedmsg.NewMsgID(received),
		Timestamp: epochSeconds(received), Username: sourceName, SourceName: sourceName,
		Received: received, Usernames: usernames,
	}
	if env.Body, err = env.MarshalJSON(); err != nil {
		return nil, err
	}
	return env, nil
}
