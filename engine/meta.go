package engine

import (
	"context"
	"fmt"

	"hubs/fedmsg"
	"hubs/runtime"
)

// Meta runs the widgets' fedmsg.meta (widgets/lib/meta.js) on its own small runtime: the
// usernames and packages of a message, outside an engine (the tests and benchmarks that
// archive fixture messages before one starts). The engine itself runs the same library on its widget runtime
// (runtime.LoadMeta), in the batch that asks its widgets about the message.
type Meta struct {
	widgets string // the widgets folder, whose lib/meta.js runs
	rt      *runtime.Runtime
}

// NewMeta prepares a Meta on the lib/meta.js of the widgets folder widgetsDir. helpers is
// static/h.js (every runtime needs it); pool is how many messages run at once (0: one).
func NewMeta(ctx context.Context, widgetsDir string, helpers []byte, pool int) (*Meta, error) {
	rt, err := runtime.New(runtime.WithHelpers(helpers), runtime.WithPoolSize(max(pool, 1)))
	if err != nil {
		return nil, fmt.Errorf("fedmsg.meta: %w", err)
	}
	m := &Meta{widgets: widgetsDir, rt: rt}
	if err := m.Reload(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// Reload compiles lib/meta.js again. On failure the previous version keeps running.
func (m *Meta) Reload(ctx context.Context) error {
	if err := m.rt.LoadMeta(ctx, m.widgets); err != nil {
		return fmt.Errorf("fedmsg.meta from %s: %w", m.widgets, err)
	}
	return nil
}

// Extract returns the usernames and packages of env, as fedmsg.meta finds them.
func (m *Meta) Extract(ctx context.Context, env *fedmsg.Envelope) (usernames, packages []string, err error) {
	body, err := envelopeJSON(env)
	if err != nil {
		return nil, nil, err
	}
	batch, err := m.rt.Message(ctx, body)
	if err != nil {
		return nil, nil, fmt.Errorf("fedmsg.meta of %s: %w", env.MsgID, err)
	}
	defer batch.Close()
	if usernames, packages, err = batch.Meta(); err != nil {
		return nil, nil, fmt.Errorf("fedmsg.meta of %s: %w", env.MsgID, err)
	}
	return usernames, packages, nil
}

// envelopeJSON is env as fedmsg sent it: the body received, or for an envelope made in Go,
// its JSON.
func envelopeJSON(env *fedmsg.Envelope) ([]byte, error) {
	if len(env.Body) > 0 {
		return env.Body, nil
	}
	body, err := env.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("message %s: %w", env.MsgID, err)
	}
	return body, nil
}
