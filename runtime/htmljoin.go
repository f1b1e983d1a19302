package runtime

import (
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// The Go twin of h.html's join loop.
//
// static/h.js is the single source of the template helpers: it decides, with
// its own HTML scanner, what context every ${hole} of a template sits in, and
// it runs as is in the browser. In goja, though, its per-call work (a rest
// array, a key joined from the template's parts, a regexp test and a replace
// with a callback per escaped value, one JS call per hole) made a 10-item
// list cost over 200 µs. So the server hands h.js a factory (the parameter
// hubsNative of the function the bundle is wrapped in, see compileHelpers);
// h.js calls it once with its own internals and uses the Go function it gets
// back as h.html. The browser has no such parameter and uses the JS html.
//
// The Go function produces the same string as the JS one, by construction:
//   - the analysis of a template (its holes' kinds, and the static parts it
//     was made from, which are the parts Go joins) comes from h.js's own
//     siteOf, called once per call site and kept here;
//   - it handles only the common cases itself: primitive strings, numbers,
//     null, undefined and booleans, Html values whose html is a string, and
//     plain arrays of those, in element text, RCDATA and quoted or unquoted
//     attribute values, with the same escape table as h.js;
//   - everything else goes to h.js: a URL that does not start with http://
//     or https:// goes through h.js's safeURL; any other object (a Date, a
//     proxy, a plain object...) through h.js's text; a template with a hole
//     between attributes or in a refused context, a call that is not a
//     template literal's, through h.js's html. The hand-over always happens
//     before anything observable (a getter, a toString) has run for that
//     value, so no user code runs twice or in another order.
//
// The parity tests (runtime's h tests against the JS html, e2e against
// Chromium) check that both produce the same bytes.

// htmlKinds are h.js's hole kinds, read from h.js itself when the factory
// is called, so the numbering has one source.
type htmlKinds struct {
	text, attr, attrUnquoted, rcdata int64
}

// htmlSite is one template literal's analysis: its static parts and, per
// hole, whether Go can join it and whether it starts a URL attribute.
type htmlSite struct {
	site  *goja.Object // a template object of this call site (identity key)
	parts []string
	holes []htmlHole
	fast  bool // every hole is text, RCDATA or a (quoted or unquoted) attribute value
}

type htmlHole struct {
	unquoted bool
	url      bool
}

// htmlJoin holds one vm's twin: h.js's functions it hands over to, and the
// per-call-site cache.
type htmlJoin struct {
	v       *vm
	proto   *goja.Object  // Html.prototype
	siteOf  goja.Callable // (strings) -> frozen {parts, holes: [{kind, url, why}]}
	text    goja.Callable // (value, url, first) -> string
	safeURL goja.Callable // (url) -> string
	concat  goja.Callable // (x) -> "" + x
	frozen  goja.Callable // Object.isFrozen
	slow    goja.Value    // the JS html, for what Go does not handle
	kinds   htmlKinds

	// sites maps a template's first static part to the sites starting with
	// it. goja makes a new strings array for every evaluation of a tagged
	// template, but two arrays of the same call site are === (goja compares
	// their site), which is how a site is recognised.
	sites       map[string][]*htmlSite
	frozenSites map[*goja.Object]*htmlSite // frozen strings arrays already seen
	nsites      int                        // entries in both, bounded by htmlSitesMax
	buf         []byte
}

const (
	htmlSitesMax    = 4096 // cached call sites per vm; cleared when full
	htmlSitesPerKey = 16   // call sites sharing one first part
	htmlMaxDepth    = 32   // nested arrays deeper than this go to h.js
	htmlCheckEvery  = 1024 // array items between two looks at the clock
)

var (
	typeMap   = reflect.TypeOf(map[string]any(nil))
	typeArray = reflect.TypeOf([]any(nil))
	typeInt   = reflect.TypeOf(int64(0))
	typeFloat = reflect.TypeOf(float64(0))
	typeBool  = reflect.TypeOf(false)
)

// htmlFactory is what h.js receives as hubsNative: given its internals
// ({proto, siteOf, text, safeURL, concat, html, kinds}), it returns the Go
// html. Only h.js's module code can reach it (a parameter of the wrapper).
func (v *vm) htmlFactory(call goja.FunctionCall) goja.Value {
	rt := v.rt
	in := call.Argument(0).ToObject(rt)
	fn := func(name string) goja.Callable {
		f, ok := goja.AssertFunction(in.Get(name))
		if !ok {
			panic(rt.NewTypeError("hubsNative: " + name + " is not a function"))
		}
		return f
	}
	proto, ok := in.Get("proto").(*goja.Object)
	if !ok {
		panic(rt.NewTypeError("hubsNative: proto is not an object"))
	}
	kinds := in.Get("kinds").ToObject(rt)
	j := &htmlJoin{
		v: v, proto: proto, siteOf: fn("siteOf"), text: fn("text"), safeURL: fn("safeURL"), concat: fn("concat"),
		slow: in.Get("html"),
		kinds: htmlKinds{
			text: kinds.Get("TEXT").ToInteger(), attr: kinds.Get("ATTR").ToInteger(),
			attrUnquoted: kinds.Get("ATTR_UNQUOTED").ToInteger(), rcdata: kinds.Get("RCDATA_TEXT").ToInteger(),
		},
		sites:       make(map[string][]*htmlSite),
		frozenSites: make(map[*goja.Object]*htmlSite),
	}
	fn("html") // must be a function too
	j.frozen, _ = goja.AssertFunction(rt.GlobalObject().Get("Object").ToObject(rt).Get("isFrozen"))
	return rt.ToValue(j.html)
}

// html is h.html on the server.
func (j *htmlJoin) html(call goja.FunctionCall) goja.Value {
	args := call.Arguments
	if len(args) == 0 {
		return j.handOver(call)
	}
	strs, ok := args[0].(*goja.Object)
	if !ok || strs.ExportType() != typeArray {
		return j.handOver(call)
	}
	first, ok := strs.Get("0").(goja.String)
	if !ok {
		return j.handOver(call)
	}
	s := j.site(strs, first.String())
	if s == nil || !s.fast || len(args)-1 != len(s.holes) {
		return j.handOver(call)
	}
	if len(s.holes) == 0 {
		return j.newHtml(s.parts[0])
	}
	w := &htmlWriter{j: j, buf: append(j.buf[:0], s.parts[0]...)}
	for i, val := range args[1:] {
		h := s.holes[i]
		if h.unquoted {
			w.buf = append(w.buf, '"')
		}
		w.value(val, h.url, true, 0)
		if h.unquoted {
			w.buf = append(w.buf, '"')
		}
		w.buf = append(w.buf, s.parts[i+1]...)
	}
	out := string(w.buf)
	if cap(w.buf) <= 64<<10 { // keep a modest buffer for the next call
		j.buf = w.buf[:0]
	}
	return j.newHtml(out)
}

// handOver runs the JS html with the same arguments.
func (j *htmlJoin) handOver(call goja.FunctionCall) goja.Value {
	f, _ := goja.AssertFunction(j.slow)
	return rethrow(f(call.This, call.Arguments...))
}

// rethrow turns an error from a JS function called by a native back into a
// throw (or an interrupt) in the calling JavaScript.
func rethrow(v goja.Value, err error) goja.Value {
	if err != nil {
		panic(err)
	}
	return v
}

func (j *htmlJoin) newHtml(s string) goja.Value {
	o := j.v.rt.CreateObject(j.proto)
	_ = o.Set("html", s) // no setter on the way: Html.prototype and Object.prototype have no "html"
	return o
}

// site returns the analysis of strs's call site, learning it on first use;
// nil when strs is not (recognisably) a template literal's strings array.
func (j *htmlJoin) site(strs *goja.Object, first string) *htmlSite {
	if s := j.frozenSites[strs]; s != nil {
		return s // frozen: the same text for good
	}
	bucket := j.sites[first]
	for _, s := range bucket {
		// goja's own template objects: a new array on every evaluation, but
		// === to the others of its call site. (The very same array again
		// may be a plain array changed since: it is not trusted.)
		if s.site != strs && strs.StrictEquals(s.site) {
			return s
		}
	}
	frozen := rethrow(j.frozen(goja.Undefined(), strs)).ToBoolean()
	if frozen {
		// esbuild's template objects are made once per call site and module
		// evaluation, so each instance of a widget has its own: a frozen
		// array with the text of a known site shares its analysis.
		for _, s := range bucket {
			if s.sameParts(strs) {
				j.remember(strs, s)
				return s
			}
		}
	}
	an := rethrow(j.siteOf(goja.Undefined(), strs)).ToObject(j.v.rt)
	ps, hs := an.Get("parts").ToObject(j.v.rt), an.Get("holes").ToObject(j.v.rt)
	n := int(hs.Get("length").ToInteger())
	if n < 0 || ps.Get("length").ToInteger() != int64(n+1) {
		return nil
	}
	s := &htmlSite{site: strs, parts: make([]string, n+1), holes: make([]htmlHole, n), fast: true}
	for i := range s.parts {
		p, ok := ps.Get(strconv.Itoa(i)).(goja.String)
		if !ok {
			return nil // an undefined part (a bad escape in the template): h.js's html says what that gives
		}
		s.parts[i] = p.String()
	}
	for i := range s.holes {
		h := hs.Get(strconv.Itoa(i)).ToObject(j.v.rt)
		switch h.Get("kind").ToInteger() {
		case j.kinds.text, j.kinds.rcdata:
		case j.kinds.attr:
			s.holes[i].url = h.Get("url").ToBoolean()
		case j.kinds.attrUnquoted:
			s.holes[i] = htmlHole{unquoted: true, url: h.Get("url").ToBoolean()}
		default:
			s.fast = false
		}
	}
	if len(bucket) >= htmlSitesPerKey {
		bucket = bucket[1:]
	}
	j.sites[first] = append(bucket, s)
	if frozen && s.sameParts(strs) { // the analysis is of this array's text (no getter said otherwise)
		j.remember(strs, s)
	}
	j.count()
	return s
}

// remember files a frozen strings array under its identity.
func (j *htmlJoin) remember(strs *goja.Object, s *htmlSite) {
	j.frozenSites[strs] = s
	j.count()
}

// count bounds the cache: when full, it starts again.
func (j *htmlJoin) count() {
	if j.nsites++; j.nsites > htmlSitesMax {
		clear(j.sites)
		clear(j.frozenSites)
		j.nsites = 0
	}
}

// sameParts reports whether strs holds exactly s's static parts.
func (s *htmlSite) sameParts(strs *goja.Object) bool {
	if strs.Get("length").ToInteger() != int64(len(s.parts)) {
		return false
	}
	for i, want := range s.parts {
		p, ok := strs.Get(strconv.Itoa(i)).(goja.String)
		if !ok || p.String() != want {
			return false
		}
	}
	return true
}

// htmlWriter renders the values of one html call.
type htmlWriter struct {
	j        *htmlJoin
	buf      []byte
	items    int
	deadline time.Time
	stopped  bool // interrupted: the rest is never seen
}

// value appends what h.js's text(v, url, first) returns for v.
func (w *htmlWriter) value(val goja.Value, url, first bool, depth int) {
	if w.stopped {
		return
	}
	if str, ok := val.(goja.String); ok {
		s := str.String()
		if url && first && !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
			s = rethrow(w.j.safeURL(goja.Undefined(), val)).String()
		}
		w.buf = appendEscaped(w.buf, s)
		return
	}
	if val == nil || goja.IsUndefined(val) || goja.IsNull(val) {
		return
	}
	obj, isObj := val.(*goja.Object)
	if !isObj {
		switch t := val.ExportType(); {
		case t == typeBool:
			return
		case (t == typeInt || t == typeFloat) && !(url && first):
			w.buf = append(w.buf, val.String()...) // digits, '-', '.', 'e', '+', Infinity, NaN: nothing to escape
			return
		}
		w.handOver(val, url, first)
		return
	}
	t := obj.ExportType()
	if t != typeMap && t != typeArray {
		w.handOver(val, url, first) // proxies, dates, functions...: h.js's text
		return
	}
	if w.isHtml(obj) {
		switch h := obj.Get("html").(type) {
		case goja.String:
			w.buf = append(w.buf, h.String()...)
		default:
			w.buf = append(w.buf, rethrow(w.j.concat(goja.Undefined(), h)).String()...)
		}
		return
	}
	if t != typeArray || depth >= htmlMaxDepth {
		w.handOver(val, url, first)
		return
	}
	start := len(w.buf)
	for i := 0; i < int(obj.Get("length").ToInteger()); i++ { // read each time, as h.js does
		if w.items++; w.items%htmlCheckEvery == 0 && w.overTime() {
			return
		}
		w.value(obj.Get(strconv.Itoa(i)), false, false, depth+1)
	}
	// As h.js: a URL is checked whole, the items joined as text first, so
	// ["javascript", ":alert(1)"] cannot bring its scheme in pieces.
	if url && first && !w.stopped {
		if s := string(w.buf[start:]); !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
			w.buf = append(w.buf[:start], rethrow(w.j.safeURL(goja.Undefined(), w.j.v.rt.ToValue(s))).String()...)
		}
	}
}

// isHtml is `v instanceof Html` for an ordinary object (no proxy traps).
func (w *htmlWriter) isHtml(obj *goja.Object) bool {
	for p := obj.Prototype(); p != nil; p = p.Prototype() {
		if p == w.j.proto {
			return true
		}
	}
	return false
}

// handOver appends h.js's text(v, url, first).
func (w *htmlWriter) handOver(val goja.Value, url, first bool) {
	r := rethrow(w.j.text(goja.Undefined(), val, w.j.v.rt.ToValue(url), w.j.v.rt.ToValue(first)))
	w.buf = append(w.buf, r.String()...)
}

// overTime stops a huge array walk when the call is past its time limit:
// the interrupt lands as soon as control is back in JavaScript, exactly as
// if the JS loop had been interrupted (the result is never seen).
func (w *htmlWriter) overTime() bool {
	v := w.j.v
	if w.deadline.IsZero() {
		v.mu.Lock()
		w.deadline = v.deadline
		inCall := v.inCall
		v.mu.Unlock()
		if !inCall {
			return false
		}
	}
	if time.Now().Before(w.deadline) {
		return false
	}
	v.rt.Interrupt(ErrTimeout)
	w.stopped = true
	return true
}

// appendEscaped is h.js's escape: & < > " ' ` as entities.
func appendEscaped(buf []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var e string
		switch s[i] {
		case '&':
			e = "&amp;"
		case '<':
			e = "&lt;"
		case '>':
			e = "&gt;"
		case '"':
			e = "&quot;"
		case '\'':
			e = "&#39;"
		case '`':
			e = "&#96;"
		default:
			continue
		}
		buf = append(append(buf, s[last:i]...), e...)
		last = i + 1
	}
	return append(buf, s[last:]...)
}
