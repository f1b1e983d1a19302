package engine

import (
	"context"
	"fmt"
	"time"

	"hubs/fedmsg"
	"hubs/runtime"
	"hubs/store"
)

// Receive is the bus intake's handler: it archives env (idempotent on msg_id, with the
// usernames and packages the intake's extractor found) and then runs Handle, in that
// order so that a data() rebuilt for the message finds it in the archive. A failure to
// archive is returned, and invalidation still runs: the widgets may not need the archive.
func (e *Engine) Receive(ctx context.Context, env *fedmsg.Envelope) error {
	_, aerr := e.store.ArchiveMessage(ctx, archived(env))
	herr := e.Handle(ctx, env)
	if aerr != nil {
		return fmt.Errorf("engine: %w", aerr)
	}
	return herr
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

// Extract finds the usernames and packages of a message with the widgets' fedmsg.meta
// (widgets/lib/meta.js, see Meta), falling back to fedmsg's default extractor when no Meta
// is configured. It is a fedmsg.Extractor for the intake.
func (e *Engine) Extract(env *fedmsg.Envelope) (usernames, packages []string, err error) {
	if e.opt.meta == nil {
		return fedmsg.DefaultExtractor(env)
	}
	u, p, err := e.opt.meta.Extract(context.Background(), env)
	e.metrics.countJS(fnMeta, 1, err)
	return u, p, err
}

// Handle runs one message through invalidation: the candidates from the hint index (its
// short topic, its category, its usernames; env.Usernames, or Extract's when nil), their
// shouldInvalidate in one batch, and a rebuild queued for each that said true. It returns
// once the rebuilds are queued; the updates follow. Widget failures are logged and
// counted, not returned: one broken widget must not fail a message for the others.
func (e *Engine) Handle(ctx context.Context, env *fedmsg.Envelope) error {
	return e.handle(ctx, env, "")
}

// handle is Handle; onlyHub, for the engine's own messages, limits the candidates to that
// hub's instances, whatever their usernames hint, and the instances hinting one of the
// message's usernames (see index.candidates).
func (e *Engine) handle(ctx context.Context, env *fedmsg.Envelope, onlyHub string) error {
	if env.Received.IsZero() {
		env.Received = time.Now()
	}
	usernames := env.Usernames
	if usernames == nil {
		var err error
		if usernames, _, err = e.Extract(env); err != nil {
			usernames, _, _ = fedmsg.DefaultExtractor(env)
		}
	}
	body := env.Body
	if len(body) == 0 {
		// An envelope made in Go rather than received: shouldInvalidate sees it as
		// fedmsg would have sent it.
		var err error
		if body, err = env.MarshalJSON(); err != nil {
			return fmt.Errorf("engine: message %s: %w", env.MsgID, err)
		}
	}
	topic, category := env.ShortTopic(), env.Category()
	// The message's JS view is made once, and only when some widget is asked about it.
	var batch *runtime.MessageBatch
	defer func() {
		if batch != nil {
			batch.Close()
		}
	}()
	open := func() error {
		if batch != nil {
			return nil
		}
		var err error
		if batch, err = e.rt.Message(ctx, body); err != nil {
			return fmt.Errorf("engine: message %s: %w", env.MsgID, err)
		}
		return nil
	}
	e.mu.RLock()
	ownWidgets := e.index.ownUsersWidgets(topic, category, nil)
	e.mu.RUnlock()
	var own map[string][]string
	if len(ownWidgets) > 0 {
		if err := open(); err != nil {
			return err
		}
		own = e.messageUsernames(batch, ownWidgets)
	}
	e.mu.RLock()
	ids := e.index.candidates(topic, category, usernames, own, onlyHub, nil)
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
		return nil
	}
	if err := open(); err != nil {
		return err
	}
	verdicts, err := batch.Invalidations(insts, nil)
	e.metrics.countJS(fnInvalidate, len(insts), err)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("engine: message %s: %w", env.MsgID, ctx.Err())
		}
		e.logInvalidateErrors(err)
	}
	for i, yes := range verdicts {
		if yes {
			e.metrics.Invalidations.Inc()
			e.schedule(cands[i], env.Received)
		}
	}
	return nil
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
