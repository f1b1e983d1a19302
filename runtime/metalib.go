package runtime

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/dop251/goja"
)

// MetaFile is where LoadMeta finds the widgets' fedmsg.meta, under the widgets folder.
const MetaFile = "lib/meta.js"

// metaName is how errors of the fedmsg.meta library name it.
const metaName = "fedmsg.meta"

// LoadMeta compiles the widgets' fedmsg.meta (root/lib/meta.js, which exports
// usernames(envelope) and packages(envelope)) for MessageBatch.Meta: the engine then
// learns whom and what a bus message concerns on the same JS view of the message that its
// widgets' shouldInvalidate see, instead of converting it a second time on another
// runtime. It is a library, not a widget: List never shows it. On failure the version
// loaded before (if any) stays in service.
func (r *Runtime) LoadMeta(ctx context.Context, root string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("load %s: %w", MetaFile, err)
	}
	file := filepath.Join(root, filepath.FromSlash(MetaFile))
	w := &Widget{Name: metaName, File: file, Display: display(file), root: root}
	b, cerrs := bundle(root, file)
	if len(cerrs) > 0 {
		errs := make([]error, len(cerrs))
		for i, e := range cerrs {
			e.Widget, e.Function, e.File = metaName, "load", display(e.File)
			errs[i] = e
		}
		return errors.Join(errs...)
	}
	w.Inputs = b.inputs
	w.Version = versionOf(b.code)
	if w.prog, err = compileBundle(filepath.Join(root, bundleName), b.code); err != nil {
		return &Error{Widget: metaName, Function: "load", File: w.Display, Message: err.Error(), Err: ErrCompile}
	}
	// Evaluated once here, so that a library that throws or lacks its exports is refused
	// now rather than on every message.
	v, err := r.pool.get(ctx)
	if err != nil {
		return fmt.Errorf("load %s: %w", MetaFile, err)
	}
	defer r.pool.put(v)
	if _, err := v.metaModule(w); err != nil {
		return err
	}
	r.mu.Lock()
	r.meta = w
	r.mu.Unlock()
	return nil
}

// HasMeta reports whether LoadMeta has put a fedmsg.meta in service.
func (r *Runtime) HasMeta() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.meta != nil
}

// MetaInputs are the files the fedmsg.meta in service was bundled from (nil when none):
// a change to one of them calls for LoadMeta again.
func (r *Runtime) MetaInputs() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.meta == nil {
		return nil
	}
	return r.meta.Inputs
}

// MetaSymbolKey is the key of the registered symbol (Symbol.for) under which a bus
// message's JS view in a MessageBatch holds fedmsg.meta's answer for it, once Meta has run:
// {usernames, packages}, frozen. lib/meta.js returns it instead of working it out again.
const MetaSymbolKey = "hubs.fedmsg.meta"

// metaSymbol is Symbol.for(MetaSymbolKey) in this vm's realm.
func (v *vm) metaSymbol() *goja.Symbol {
	if v.metaSym == nil {
		s, err := v.rt.RunString(`Symbol.for("` + MetaSymbolKey + `")`)
		if err != nil {
			panic(err) // a built-in of the language: cannot fail
		}
		v.metaSym = s.(*goja.Symbol)
	}
	return v.metaSym
}

// metaModule is the evaluation of fedmsg.meta w in this vm, shared by every message.
func (v *vm) metaModule(w *Widget) (*module, error) {
	k := moduleKey{version: w.Version, hub: metaName}
	if m := v.shared.get(k); m != nil {
		return m, nil
	}
	v.evaluations++
	ns, err := v.run(w, "load", v.opt.limits.Load, func() (goja.Value, error) {
		return v.rt.RunProgram(w.prog)
	})
	if err != nil {
		return nil, err
	}
	m := &module{key: k}
	if obj, ok := ns.(*goja.Object); ok {
		m.usernames, _ = goja.AssertFunction(obj.Get("usernames"))
		m.packages, _ = goja.AssertFunction(obj.Get("packages"))
	}
	if m.usernames == nil || m.packages == nil {
		return nil, w.contractError("load", "", MetaFile+" must export functions usernames(envelope) and packages(envelope)")
	}
	v.shared.add(m)
	return m, nil
}

// Meta runs fedmsg.meta (see LoadMeta) on the batch's message: the usernames and the
// packages it concerns, each a list of strings. The error is ErrNotFound when no
// fedmsg.meta is loaded, an *Error when it throws, runs out of time or answers something
// else than lists of strings.
func (b *MessageBatch) Meta() (usernames, packages []string, err error) {
	b.r.mu.RLock()
	w := b.r.meta
	b.r.mu.RUnlock()
	if w == nil {
		return nil, nil, fmt.Errorf("%s: %w", metaName, ErrNotFound)
	}
	if b.v == nil || b.v.broken {
		if err := b.take(); err != nil {
			return nil, nil, err
		}
	}
	// Whatever happens, the answer's holder is frozen before any widget runs.
	defer func() {
		if serr := b.seal(); serr != nil && err == nil {
			err = serr
		}
	}()
	m, err := b.v.metaModule(w)
	if err != nil {
		return nil, nil, err
	}
	ask := func(fn string, f goja.Callable) ([]string, error) {
		res, err := b.v.run(w, fn, b.r.opt.limits.Invalidate, func() (goja.Value, error) {
			return f(goja.Undefined(), b.msg)
		})
		if cerr := b.check(); cerr != nil {
			return nil, cerr
		}
		if err != nil {
			return nil, b.r.callError(w, fn, err)
		}
		list, ok := stringList(res)
		if !ok || isAbsent(res) {
			return nil, w.contractError(fn, "", fn+"(envelope) must return an array of strings")
		}
		return list, nil
	}
	if usernames, err = ask("usernames", m.usernames); err != nil {
		return nil, nil, err
	}
	if packages, err = ask("packages", m.packages); err != nil {
		return nil, nil, err
	}
	if b.known != nil && !b.sealed {
		u, p := b.v.rt.NewArray(anys(usernames)...), b.v.rt.NewArray(anys(packages)...)
		for _, kv := range []struct {
			k string
			v goja.Value
		}{{"usernames", u}, {"packages", p}} {
			if err := b.known.DefineDataProperty(kv.k, kv.v, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
				return nil, nil, fmt.Errorf("%s: keep the answer on the message: %w", metaName, err)
			}
		}
		// Frozen with the holder, in one call.
		b.sealed = true
		if _, err := b.v.freezeAll(goja.Undefined(), b.v.rt.NewArray(b.known), b.v.rt.NewArray(u, p)); err != nil {
			return nil, nil, fmt.Errorf("%s: freeze the answer on the message: %w", metaName, err)
		}
	}
	return usernames, packages, nil
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
