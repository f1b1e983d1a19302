package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// Data runs the widget's data(ctx, config) for inst on hub and returns its
// result as JSON: the bytes the cache keeps and the server pushes. An async
// data() is awaited (the job queue runs when the call returns; host I/O is
// synchronous under its promises). The whole call, fetches included, is
// bounded by Limits.Data and by ctx.
func (r *Runtime) Data(ctx context.Context, inst Instance, hub Hub) (json.RawMessage, error) {
	w, err := r.Widget(inst.Name)
	if err != nil {
		return nil, err
	}
	p := r.pool
	if w.Fetches() {
		p = r.fetches
	}
	v, err := p.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("data of widget %s: %w", w.Name, err)
	}
	defer p.put(v)
	m, err := v.module(w, inst)
	if err != nil {
		return nil, err
	}

	limit := r.opt.limits.Data
	deadline := time.Now().Add(limit)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, limit = d, time.Until(d)
	}
	callCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	hubJSON, err := json.Marshal(hub)
	if err != nil {
		return nil, fmt.Errorf("data of widget %s: hub: %w", w.Name, err)
	}
	widgetJSON, _ := json.Marshal(map[string]any{"id": inst.ID, "name": w.Name, "hub": inst.Hub})
	v.call = &dataCall{ctx: callCtx, w: w, inst: inst}
	defer func() { v.call = nil }()

	var result []byte // the JSON, written by the encoder inside the run
	_, err = v.run(w, "data", limit, func() (goja.Value, error) {
		gen := v.callGen()
		stop := context.AfterFunc(ctx, func() { v.interrupt(gen, ctx.Err()) })
		defer stop()
		// Frozen, so shared by every call on the same hub (and instance) in this vm.
		hubVal, err := v.frozenJSON(v.callValues, hubJSON)
		if err != nil {
			return nil, err
		}
		widgetVal, err := v.frozenJSON(v.callValues, widgetJSON)
		if err != nil {
			return nil, err
		}
		settings, err := v.settingsValue()
		if err != nil {
			return nil, err
		}
		jsCtx, err := v.makeCtx(goja.Undefined(), hubVal, settings, widgetVal)
		if err != nil {
			return nil, err
		}
		config, err := v.jsonValue(inst.Config, "{}")
		if err != nil {
			return nil, err
		}
		res, err := m.data(m.def, jsCtx, config)
		if err != nil {
			return nil, err
		}
		if p, ok := asPromise(res); ok {
			switch p.State() {
			case goja.PromiseStateFulfilled:
				res = p.Result()
			case goja.PromiseStateRejected:
				return nil, rejection(v.rt, p.Result())
			default:
				return nil, errPending
			}
		}
		if goja.IsUndefined(res) {
			return nil, errUndefined
		}
		if result, err = v.encodeJSON(res, r.opt.limits.Output); err != nil {
			if errors.Is(err, errOverCap) {
				return nil, errTooLarge
			}
			return nil, err
		}
		if result == nil { // a function or a symbol: nothing JSON can say
			return nil, errUndefined
		}
		return nil, nil
	})
	if err != nil {
		v.forget(m)
		return nil, r.callError(w, "data", err)
	}
	return json.RawMessage(result), nil
}

var promiseType = reflect.TypeOf((*goja.Promise)(nil))

// asPromise recognises a promise without Export, which would copy any
// other object graph into Go values.
func asPromise(v goja.Value) (*goja.Promise, bool) {
	obj, ok := v.(*goja.Object)
	if !ok || obj.ExportType() != promiseType {
		return nil, false
	}
	p, ok := obj.Export().(*goja.Promise)
	return p, ok
}

var (
	errTooLarge  = errors.New("data() returned more JSON than the output cap")
	errPending   = errors.New("data() returned a promise that never settled (awaiting something that never resolves?)")
	errUndefined = errors.New("data() returned undefined: return a JSON-able value")
)

// rejectedError carries a rejected promise's reason out of a run.
type rejectedError struct{ ex *goja.Exception }

func (e *rejectedError) Error() string { return e.ex.Error() }

// rejection turns a promise rejection reason into an error with the stack the
// reason carries, by rethrowing it inside the runtime to get an Exception.
func rejection(rt *goja.Runtime, reason goja.Value) error {
	thrower, err := rt.RunString("(function (e) { throw e; })")
	if err != nil {
		return err
	}
	fn, _ := goja.AssertFunction(thrower)
	_, err = fn(goja.Undefined(), reason)
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return &rejectedError{ex: ex}
	}
	return err
}

// callError finishes the errors v.run could not classify.
func (r *Runtime) callError(w *Widget, fn string, err error) error {
	var re *rejectedError
	if errors.As(err, &re) {
		e := w.jsError(fn, re.ex, ErrThrown, "")
		// The rethrow frame is ours; the reason's own stack is the useful one.
		if obj, ok := re.ex.Value().(*goja.Object); ok {
			if st := obj.Get("stack"); st != nil && !goja.IsUndefined(st) {
				e.Stack = w.fixStack(st.String())
				if f, l, c, ok := firstPosition(e.Stack); ok {
					e.File, e.Line, e.Col = f, l, c
				}
			}
		}
		return e
	}
	if errors.Is(err, errPending) || errors.Is(err, errUndefined) {
		return w.contractError(fn, "", err.Error())
	}
	if errors.Is(err, errTooLarge) {
		return &Error{Widget: w.Name, Function: fn, File: w.Display, Err: ErrOutputTooLarge,
			Message: fmt.Sprintf("data() returned more than the %d bytes of JSON allowed", r.opt.limits.Output)}
	}
	if errors.Is(err, errTooDeep) {
		return &Error{Widget: w.Name, Function: fn, File: w.Display, Err: ErrContract, Message: err.Error()}
	}
	return err
}

// Template runs template(data, h) for inst and returns the HTML: an h.html
// (or h.safe) result as is, a plain string escaped (h.render, which the
// browser uses too).
func (r *Runtime) Template(ctx context.Context, inst Instance, data json.RawMessage) (string, error) {
	w, err := r.Widget(inst.Name)
	if err != nil {
		return "", err
	}
	v, err := r.pool.get(ctx)
	if err != nil {
		return "", fmt.Errorf("template of widget %s: %w", w.Name, err)
	}
	defer r.pool.put(v)
	m, err := v.sharedModule(w)
	if err != nil {
		return "", err
	}
	out, err := v.run(w, "template", r.opt.limits.Template, func() (goja.Value, error) {
		d, err := v.jsonValue(data, "null")
		if err != nil {
			return nil, err
		}
		res, err := m.template(m.def, d, v.h)
		if err != nil {
			return nil, err
		}
		return v.render(goja.Undefined(), res)
	})
	if err != nil {
		return "", r.callError(w, "template", err)
	}
	s := out.String()
	if len(s) > r.opt.limits.Output {
		return "", &Error{Widget: w.Name, Function: "template", File: w.Display, Err: ErrOutputTooLarge,
			Message: fmt.Sprintf("template() returned %d bytes of HTML, more than the %d allowed", len(s), r.opt.limits.Output)}
	}
	return s, nil
}

// Invalidations runs shouldInvalidate(message, widget) for each candidate
// instance of one bus message and returns the verdicts in order (appended to
// out[:0], so a caller can reuse its slice). The message (a fedmsg envelope
// as JSON) gets one read-only view (see MessageBatch), given to every
// candidate. A widget without shouldInvalidate says false. An
// instance whose call fails says false, and its error is part of the
// returned error (an errors.Join of *Error); the others still run.
func (r *Runtime) Invalidations(ctx context.Context, message []byte, insts []Instance, out []bool) ([]bool, error) {
	b, err := r.Message(ctx, message)
	if err != nil {
		return out[:0], err
	}
	defer b.Close()
	return b.Invalidations(insts, out)
}

// MessageBatch is one bus message's read-only JS view on one runtime taken from the pool,
// for the calls the engine makes about that message: fedmsg.meta, hints.messageUsernames
// of the widgets that have one, then shouldInvalidate of the candidates. The message is
// converted to JS once for all of them. Not safe for concurrent use; Close gives the
// runtime back.
type MessageBatch struct {
	r       *Runtime
	ctx     context.Context
	message []byte
	v       *vm
	msg     goja.Value
	view    *lazyObject  // msg's view; nil when the message is no object (msg is then frozen)
	holder  *goja.Object // the view's prototype, frozen: it holds known under the meta symbol
	known   *goja.Object // the view's holder of fedmsg.meta's answer (see seal); nil: msg is no object
	sealed  bool         // known is frozen
}

// Message starts a MessageBatch for message (a fedmsg envelope as JSON). The batch reads a
// copy of it: the view reads its text as members are first read, also after Close when a
// widget kept the message, so the caller may reuse message at once.
func (r *Runtime) Message(ctx context.Context, message []byte) (*MessageBatch, error) {
	b := &MessageBatch{r: r, ctx: ctx, message: bytes.Clone(message)}
	if err := b.take(); err != nil {
		return nil, err
	}
	return b, nil
}

// take gets a runtime with the message's view, replacing one an interrupt retired.
func (b *MessageBatch) take() error {
	if b.v != nil {
		b.r.pool.put(b.v)
		b.v = nil
	}
	v, err := b.r.pool.get(b.ctx)
	if err != nil {
		return fmt.Errorf("invalidations: %w", err)
	}
	b.v, b.known, b.sealed = v, nil, false
	if err := b.makeView(); err != nil {
		b.r.pool.put(v)
		b.v = nil
		return fmt.Errorf("invalidations: message: %w", err)
	}
	return nil
}

// makeView gives the batch the view of its message on b.v (lazyJSON: read-only, each
// member made when first read) and, when the message is an object, the holder of
// fedmsg.meta's answer under Symbol.for("hubs.fedmsg.meta") (see seal). A view, a goja
// dynamic object, can hold no symbol: the holder is a property of its prototype, a frozen
// object whose own prototype is Object.prototype, so message[symbol] finds it and nothing
// else about the message reads differently. The answer's holder (known) is made once per
// runtime taken and kept when the view is made again (see check); the prototype around it
// is made afresh.
func (b *MessageBatch) makeView() error {
	val, view, err := b.v.lazyJSON(b.message)
	if err != nil {
		return err
	}
	b.msg, b.view = val, nil
	obj, ok := view.(*lazyObject)
	if !ok {
		return nil
	}
	rt := b.v.rt
	if b.known == nil {
		b.known = rt.NewObject()
	}
	holder := rt.NewObject()
	if err := holder.DefineDataPropertySymbol(b.v.metaSymbol(), b.known, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
		return err
	}
	if _, err := b.v.freezeAll(goja.Undefined(), rt.NewArray(holder), rt.NewArray()); err != nil {
		return err
	}
	if err := obj.obj.SetPrototype(holder); err != nil {
		return err
	}
	b.view, b.holder = obj, holder
	return nil
}

// check makes the view again when the call just made changed it: Object.setPrototypeOf
// is the one change goja lets a script make to a view (or a view inside it), and the next
// widget must read the message as it came.
func (b *MessageBatch) check() error {
	if b.view == nil || b.v == nil || b.v.broken || b.view.intactUnder(b.holder, b.v.protos()) {
		return nil
	}
	return b.makeView()
}

// seal freezes the view's holder of fedmsg.meta's answer, filled or not: every call but
// Meta's seals first, so no widget code can write into it. The holder is an object under
// Symbol.for("hubs.fedmsg.meta") on the view's (frozen) prototype; Meta fills it with
// {usernames, packages}, which lib/meta.js's usernames and packages then return instead
// of working the answer out again in every shouldInvalidate of the batch.
func (b *MessageBatch) seal() error {
	if b.sealed || b.known == nil {
		b.sealed = true
		return nil
	}
	b.sealed = true
	if _, err := b.v.freezeAll(goja.Undefined(), b.v.rt.NewArray(b.known), b.v.rt.NewArray()); err != nil {
		return fmt.Errorf("freeze the message's %s holder: %w", MetaSymbolKey, err)
	}
	return nil
}

// Close gives the runtime back to the pool.
func (b *MessageBatch) Close() {
	if b.v != nil {
		b.r.pool.put(b.v)
		b.v = nil
	}
}

// Invalidations is Runtime.Invalidations on the batch's message.
func (b *MessageBatch) Invalidations(insts []Instance, out []bool) ([]bool, error) {
	out = out[:0]
	var errs []error
	for _, inst := range insts {
		if b.v == nil || b.v.broken {
			// An interrupt retired this runtime: finish the batch on a fresh one.
			if err := b.take(); err != nil {
				errs = append(errs, err)
				for range len(insts) - len(out) {
					out = append(out, false)
				}
				return out, errors.Join(errs...)
			}
		}
		if err := b.seal(); err != nil {
			return out, err
		}
		ok, err := b.r.invalidate(b.v, b.msg, inst)
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, ok)
		if err := b.check(); err != nil {
			return out, errors.Join(append(errs, err)...)
		}
	}
	return out, errors.Join(errs...)
}

// MessageUsernames runs widget's hints.messageUsernames(message): the people the message
// concerns for that widget, which the engine matches against its instances'
// hints.usernames in place of fedmsg.meta's usernames. ok is false when the widget has no
// such function; an error (a throw, a timeout, not an array of strings) is an *Error.
func (b *MessageBatch) MessageUsernames(widget string) (names []string, ok bool, err error) {
	w, err := b.r.Widget(widget)
	if err != nil {
		return nil, false, err
	}
	if !w.Hints.MessageUsernamesFn {
		return nil, false, nil
	}
	if b.v == nil || b.v.broken {
		if err := b.take(); err != nil {
			return nil, false, err
		}
	}
	if err := b.seal(); err != nil {
		return nil, false, err
	}
	m, err := b.v.sharedModule(w)
	if err != nil {
		return nil, false, err
	}
	if m.msgUsers == nil {
		return nil, false, w.contractError("hints.messageUsernames", "", "hints.messageUsernames is no longer a function")
	}
	res, err := b.v.run(w, "hints.messageUsernames", b.r.opt.limits.Invalidate, func() (goja.Value, error) {
		return m.msgUsers(goja.Undefined(), b.msg)
	})
	if cerr := b.check(); cerr != nil {
		return nil, false, cerr
	}
	if err != nil {
		return nil, false, b.r.callError(w, "hints.messageUsernames", err)
	}
	if names, ok = stringList(res); !ok || isAbsent(res) {
		return nil, false, w.contractError("hints.messageUsernames", "", "hints.messageUsernames(message) must return an array of strings")
	}
	return names, true, nil
}

func (r *Runtime) invalidate(v *vm, msg goja.Value, inst Instance) (bool, error) {
	r.mu.RLock()
	w := r.widgets[inst.Name]
	r.mu.RUnlock()
	if w == nil {
		return false, fmt.Errorf("widget %s: %w", inst.Name, ErrNotFound)
	}
	if !w.HasInvalidate {
		return false, nil
	}
	m, err := v.sharedModule(w)
	if err != nil {
		return false, err
	}
	view, err := v.view(w, inst)
	if err != nil {
		return false, err
	}
	res, err := v.run(w, "shouldInvalidate", r.opt.limits.Invalidate, func() (goja.Value, error) {
		return m.invalidate(m.def, msg, view)
	})
	if err != nil {
		return false, r.callError(w, "shouldInvalidate", err)
	}
	b, ok := res.Export().(bool)
	if !ok {
		return false, w.contractError("shouldInvalidate", "", "shouldInvalidate must return true or false, got "+describeValue(res))
	}
	return b, nil
}

// describeValue names a JS value's type for messages, without printing it
// (it may be huge).
func describeValue(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	}
	if o, ok := v.(*goja.Object); ok {
		return strings.ToLower(o.ClassName())
	}
	return v.ExportType().String()
}

// Hints returns the hints of inst: the declared topics and categories and the
// usernames, from hints.usernames(config) when it is a function.
func (r *Runtime) Hints(ctx context.Context, inst Instance) (Hints, error) {
	w, err := r.Widget(inst.Name)
	if err != nil {
		return Hints{}, err
	}
	h := Hints{Topics: w.Hints.Topics, Categories: w.Hints.Categories, Usernames: w.Hints.UsernameList,
		MessageUsernames: w.Hints.MessageUsernamesFn}
	if !w.Hints.UsernamesFn {
		return h, nil
	}
	v, err := r.pool.get(ctx)
	if err != nil {
		return Hints{}, fmt.Errorf("hints of widget %s: %w", w.Name, err)
	}
	defer r.pool.put(v)
	m, err := v.sharedModule(w)
	if err != nil {
		return Hints{}, err
	}
	view, err := v.view(w, inst)
	if err != nil {
		return Hints{}, err
	}
	if m.usernames == nil {
		return Hints{}, w.contractError("hints.usernames", "", "hints.usernames is no longer a function")
	}
	res, err := v.run(w, "hints.usernames", r.opt.limits.Invalidate, func() (goja.Value, error) {
		cfg := view.(*goja.Object).Get("config")
		return m.usernames(goja.Undefined(), cfg)
	})
	if err != nil {
		return Hints{}, r.callError(w, "hints.usernames", err)
	}
	names, ok := stringList(res)
	if !ok {
		return Hints{}, w.contractError("hints.usernames", "", "hints.usernames(config) must return an array of strings")
	}
	h.Usernames = names
	return h, nil
}

// Hints says which bus messages can concern one widget instance. Each
// non-empty field is a constraint and the engine ANDs them: it runs
// shouldInvalidate only for messages whose short topic is in Topics (if any),
// whose category is in Categories (if any) and that name one of Usernames (if
// any); every message when all three are empty.
type Hints struct {
	Topics     []string // matched on the topic after "<prefix>.<env>."
	Categories []string // the topic's 4th segment
	Usernames  []string // the message's usernames (fedmsg.meta, or hints.messageUsernames)
	// MessageUsernames: the widget names a message's people itself
	// (hints.messageUsernames); the engine asks MessageBatch.MessageUsernames.
	MessageUsernames bool
}

// Validate checks a config (from a form or JSON) against the widget's params:
// it returns the normalized config (defaults filled, types converted) and the
// per-field errors (empty when valid; key "" or an unknown field's name for
// problems that are not a declared param's). The params' validate(value)
// functions run on a throwaway module evaluation. err is for failures other
// than a bad config (unknown widget, a validate() that throws or loops).
func (r *Runtime) Validate(ctx context.Context, name string, config map[string]any) (map[string]any, map[string]string, error) {
	w, err := r.Widget(name)
	if err != nil {
		return nil, nil, err
	}
	norm, fieldErrs := checkConfig(w.Params, config)
	var withJS []Param
	for _, p := range w.Params {
		if _, done := fieldErrs[p.Name]; !done && p.HasValidate {
			if _, set := norm[p.Name]; set {
				withJS = append(withJS, p)
			}
		}
	}
	if len(withJS) == 0 {
		return norm, fieldErrs, nil
	}
	v, err := r.pool.get(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("validate widget %s: %w", w.Name, err)
	}
	defer r.pool.put(v)
	m, err := v.evaluate(w)
	if err != nil {
		return nil, nil, err
	}
	params := m.def.Get("params").(*goja.Object)
	for _, p := range withJS {
		fnName := "params." + p.Name + ".validate"
		decl, ok := params.Get(p.Name).(*goja.Object)
		if !ok {
			return nil, nil, w.contractError(fnName, "", "param is no longer declared")
		}
		fn, ok := goja.AssertFunction(decl.Get("validate"))
		if !ok {
			return nil, nil, w.contractError(fnName, "", "validate is no longer a function")
		}
		valueJSON, err := json.Marshal(norm[p.Name])
		if err != nil {
			return nil, nil, fmt.Errorf("validate widget %s: %w", w.Name, err)
		}
		res, err := v.run(w, fnName, r.opt.limits.Invalidate, func() (goja.Value, error) {
			val, err := v.jsonValue(valueJSON, "null")
			if err != nil {
				return nil, err
			}
			return fn(decl, val)
		})
		if err != nil {
			return nil, nil, r.callError(w, fnName, err)
		}
		if !isAbsent(res) && !goja.IsNull(res) && res.ToBoolean() {
			msg := res.String()
			if len(msg) > 500 {
				msg = msg[:500]
			}
			fieldErrs[p.Name] = msg
			delete(norm, p.Name)
		}
	}
	return norm, fieldErrs, nil
}
