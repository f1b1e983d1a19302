package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"hubs/fedmsg"
	"hubs/runtime"
	"hubs/store"
)

// Receive is the bus intake's handler: Handle, plus the archive. The message is archived
// (idempotent on msg_id, with its usernames and packages) after the widgets' verdicts and
// before the rebuilds they call for are queued, so that a data() rebuilt for the message
// finds it in the archive, and no runtime is held during the archive's round trip. A
// failure to archive is returned, and the rebuilds still run: the widgets may not need
// the archive.
func (e *Engine) Receive(ctx context.Context, env *fedmsg.Envelope) error {
	e.warm.handled(e.opt.now())
	return e.handle(ctx, env, handling{archive: true})
}

// archived is env as the archive stores it.
func archived(env *fedmsg.Envelope) store.Message {
	sec := int64(env.Timestamp)
	ts := time.Unix(sec, int64((env.Timestamp-float64(sec))*1e9))
	if env.Timestamp == 0 {
		ts = env.Received
	}
	return store.Message{
		MsgID: env.MsgID, I: int(env.I), Topic: env.Topic, Timestamp: ts, Category: env.Category(),
		Username: env.Username, Crypto: env.Crypto, Certificate: env.Certificate, Signature: env.Signature,
		SourceName: env.SourceName, SourceVersion: env.SourceVersion, Msg: env.Msg, Headers: env.Headers,
		Usernames: env.Usernames, Packages: env.Packages,
	}
}

// Handle runs one message through invalidation: when it comes without usernames
// (env.Usernames nil), the widgets' fedmsg.meta finds its usernames and packages
// (runtime.LoadMeta; fedmsg's default extractor when none is loaded or it fails) and sets
// them on env; then the candidates from the hint index (its short topic, its category,
// its usernames), their shouldInvalidate, and a rebuild queued for each that said true.
// fedmsg.meta, hints.messageUsernames and shouldInvalidate all run in one batch on one
// JS view of the message. It returns once the rebuilds are queued; the updates follow.
// Widget failures are logged and counted, not returned: one broken widget must not fail
// a message for the others.
func (e *Engine) Handle(ctx context.Context, env *fedmsg.Envelope) error {
	e.warm.handled(e.opt.now())
	return e.handle(ctx, env, handling{})
}

// handling is how handle treats one message.
type handling struct {
	// onlyHub, for the engine's own messages, limits the candidates to that hub's
	// instances, whatever their usernames hint, and the instances hinting one of the
	// message's usernames (see index.candidates).
	onlyHub string
	// archive: Receive's, the message goes into the archive.
	archive bool
	// queued is an instance (id) whose rebuild the caller has queued already for the
	// change the message tells of (a config saved): its yes is counted, not rebuilt twice.
	queued int64
}

// handle is Handle, and Receive with how.archive.
func (e *Engine) handle(ctx context.Context, env *fedmsg.Envelope, how handling) error {
	if env.Received.IsZero() {
		env.Received = time.Now()
	}
	body, err := envelopeJSON(env)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	js := &messageJS{e: e, ctx: ctx, env: env, body: body}
	defer js.close()
	var merr error
	if env.Usernames == nil {
		merr = js.meta()
	}
	cands, verdicts, err := e.verdicts(js, how.onlyHub)
	// The runtime goes back before the archive's round trip: the rebuilds need it.
	js.close()
	var aerr error
	if how.archive {
		if _, aerr = e.store.ArchiveMessage(ctx, archived(env)); aerr != nil {
			aerr = fmt.Errorf("engine: %w", aerr)
		}
	}
	for i, yes := range verdicts {
		if yes {
			e.metrics.Invalidations.Inc()
			if cands[i].id != how.queued {
				e.schedule(cands[i], env.Received)
			}
		}
	}
	return errors.Join(merr, aerr, err)
}

// messageJS is the JS side of one message: a runtime batch holding its view, taken when
// first needed and given back by close.
type messageJS struct {
	e     *Engine
	ctx   context.Context
	env   *fedmsg.Envelope
	body  []byte
	batch *runtime.MessageBatch
}

func (m *messageJS) get() (*runtime.MessageBatch, error) {
	if m.batch == nil {
		b, err := m.e.rt.Message(m.ctx, m.body)
		if err != nil {
			return nil, fmt.Errorf("engine: message %s: %w", m.env.MsgID, err)
		}
		m.batch = b
	}
	return m.batch, nil
}

func (m *messageJS) close() {
	if m.batch != nil {
		m.batch.Close()
		m.batch = nil
	}
}

// meta sets the message's usernames and packages from the widgets' fedmsg.meta, or from
// fedmsg's default extractor when none is loaded or it fails. It always sets them: the
// message goes on (to the archive, to the widgets) whatever the error it returns (no
// runtime for its view, say: one too deeply nested for the JS builder).
func (m *messageJS) meta() error {
	env := m.env
	if !m.e.rt.HasMeta() {
		env.Usernames, env.Packages, _ = fedmsg.DefaultExtractor(env)
		return nil
	}
	batch, err := m.get()
	if err != nil {
		env.Usernames, env.Packages, _ = fedmsg.DefaultExtractor(env)
		return err
	}
	u, p, err := batch.Meta()
	m.e.metrics.countJS(fnMeta, 1, err)
	if err != nil {
		m.e.logWidgetError("fedmsg.meta", fnMeta, err)
		u, p, _ = fedmsg.DefaultExtractor(env)
	}
	env.Usernames, env.Packages = u, p
	return nil
}

// verdicts finds the message's candidates in the hint index (asking hints.messageUsernames
// of the widgets that have one) and their shouldInvalidate.
func (e *Engine) verdicts(js *messageJS, onlyHub string) ([]*instance, []bool, error) {
	env := js.env
	topic, category := env.ShortTopic(), env.Category()
	e.mu.RLock()
	ownWidgets := e.index.ownUsersWidgets(topic, category, nil)
	e.mu.RUnlock()
	var own map[string][]string
	if len(ownWidgets) > 0 {
		batch, err := js.get()
		if err != nil {
			return nil, nil, err
		}
		own = e.messageUsernames(batch, ownWidgets)
	}
	e.mu.RLock()
	ids := e.index.candidates(topic, category, env.Usernames, own, onlyHub, nil)
	cands := make([]*instance, 0, len(ids))
	insts := make([]runtime.Instance, 0, len(ids))
	for _, id := range ids {
		if in := e.instances[id]; in != nil {
			cands = append(cands, in)
			insts = append(insts, in.runtimeInstance())
		}
	}
	e.mu.RUnlock()
	if len(insts) == 0 {
		return nil, nil, nil
	}
	batch, err := js.get()
	if err != nil {
		return nil, nil, err
	}
	verdicts, err := batch.Invalidations(insts, nil)
	e.metrics.countJS(fnInvalidate, len(insts), err)
	if err != nil {
		if js.ctx.Err() != nil {
			return nil, nil, fmt.Errorf("engine: message %s: %w", env.MsgID, js.ctx.Err())
		}
		e.logInvalidateErrors(err)
	}
	return cands, verdicts, nil
}

// messageUsernames asks each of widgets (those with hints.messageUsernames) which people
// the batch's message concerns for it. A widget whose function fails is left out: its
// instances are then matched on fedmsg.meta's usernames, and the failure is logged.
func (e *Engine) messageUsernames(batch *runtime.MessageBatch, widgets []string) map[string][]string {
	own := make(map[string][]string, len(widgets))
	for _, name := range widgets {
		names, ok, err := batch.MessageUsernames(name)
		e.metrics.countJS(fnMessageUsernames, 1, err)
		if err != nil {
			e.logWidgetError(name, fnMessageUsernames, err)
			continue
		}
		if ok {
			own[name] = names
		}
	}
	return own
}

// logInvalidateErrors logs the shouldInvalidate failures of one batch, rate-limited per
// widget.
func (e *Engine) logInvalidateErrors(err error) {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, one := range errs {
		name := "?"
		if we, ok := one.(*runtime.Error); ok {
			name = we.Widget
		}
		e.logWidgetError(name, fnInvalidate, one)
	}
}
