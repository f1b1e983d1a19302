package runtime

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/evanw/esbuild/pkg/api"
)

// parityCases renders a list of templates with a given h and returns, per
// case, its HTML or the error it threw. Each case runs twice: the Go join
// learns a call site on its first call and uses its cache on the second.
const parityCases = `(h, strs) => {
  const htmlProto = Object.getPrototypeOf(h.safe(""));
  const getterHtml = Object.create(htmlProto, { html: { get() { return "<g>"; } } });
  const numHtml = Object.create(htmlProto, { html: { value: 42 } });
  const objHtml = Object.create(htmlProto, { html: { value: { toString() { return "<o>"; }, valueOf() { return "<v>"; } } } });
  const child = Object.create(h.safe("<inherited>"));
  const arrHtml = Object.setPrototypeOf(["a"], htmlProto);
  arrHtml.html = "<arr>";
  const sparse = [1, , 3];
  const proxy = new Proxy(["<p>", h.safe("<b>")], {});
  let calls = 0;
  const counted = { toString() { calls++; return "c" + calls; } };
  const cases = [
    (s) => h.html` + "`<p>${s}</p>`" + `,
    (s) => h.html` + "`<a href=\"${s}\" title='${s}'>${s}</a>`" + `,
    (s) => h.html` + "`<i class=${s}>y</i><img src=${s}>`" + `,
    (s) => h.html` + "`<textarea>${s}</textarea><title>${s}</title>`" + `,
    (s) => h.html` + "`<a href=\"x${s}\">${[s, s]}</a>`" + `,
    (s) => h.html` + "`<a href=\"${[s, \"https://a/\"]}\">${[[s], [[s]]]}</a>`" + `,
    (s) => h.html` + "`<a href=\"${[\"javascript\", s, \":alert(1)\"]}\" title=\"${[\"java\", s]}\"><img src=${[[\"java\"], [[s, \"script:x\"]]]}></a>`" + `,
    (s) => h.html` + "`<a href='${[h.safe(\"javascript:\"), s]}'>${[s, \":x\"]}</a><img src=\"${[\"https://a/\", s]}\">`" + `,
    (s) => h.html` + "`<ul>${[s, s].map((x) => h.html`<li><a href=\"${x}\">${x}</a></li>`)}</ul>`" + `,
    (s) => h.html` + "`<input ${s ? \"checked\" : \"\"} value=\"${s}\">`" + `,
    (s) => h.html` + "`<p>static</p>`" + `,
    (s) => h.html` + "`<script>${s}</script>`" + `,
    (s) => h.html` + "`<p onclick=\"${s}\">x</p>`" + `,
    (s) => h.html(strs, s),
    (s) => h.html(["<b>", "</b>", "<i>"], s),
    (s) => h.html(strs),
  ];
  const values = (s) => [
    s, "", "javascript:alert(1)", " JaVa\tScRiPt:x", "http://ok/?a=1&b=<2>", "https://ok/" + s, "/rel" + s, "#frag",
    "mailto:x@y", "&#106;avascript:x", "\\evil:x", "é" + s + "\u2028",
    0, -0, 1.5, -3, 1e21, 1 / 0, NaN, 12345678901234567890n,
    null, undefined, true, false, [], [null, undefined, true, 1, s], sparse,
    h.safe("<b>" + s + "</b>"), h.html` + "`<i>${s}</i>`" + `, [h.safe("<x>"), [h.safe("<y>"), s]],
    getterHtml, numHtml, objHtml, child, arrHtml, proxy, counted,
    { toString() { return "<obj>"; } }, new Date(0), Symbol("sym"), () => "<f>", new Map(),
  ];
  const out = [];
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < cases.length; c++) {
      for (const v of values("<s" + pass + ">")) {
        try { out.push(h.render(cases[c](v))); } catch (e) { out.push("ERR " + e.name + ": " + e.message); }
      }
    }
  }
  out.push("toString calls: " + calls);
  return out;
}`

// jsOnlyHelpers evaluates h.js again in v without the Go twin: the module
// as the browser runs it.
func jsOnlyHelpers(t *testing.T, r *Runtime, v *vm) *goja.Object {
	t.Helper()
	wrapper, err := v.rt.RunProgram(r.helpers)
	if err != nil {
		t.Fatal(err)
	}
	load, _ := goja.AssertFunction(wrapper)
	ns, err := load(goja.Undefined(), goja.Undefined())
	if err != nil {
		t.Fatal(err)
	}
	h := v.rt.NewObject()
	nsObj := ns.ToObject(v.rt)
	for _, k := range nsObj.Keys() {
		_ = h.Set(k, nsObj.Get(k))
	}
	return h
}

// TestGoJoinMatchesJS: the server's h.html (the Go join) and h.js's own
// html give the same output, or the same error, for every case, with
// goja's template objects and with esbuild's lowered (frozen, one per call
// site) ones, as widget bundles have them.
func TestGoJoinMatchesJS(t *testing.T) {
	r := newTestRuntime(t, WithPoolSize(1))
	v := heldVM(t, r)
	jsH := jsOnlyHelpers(t, r, v)
	if isNative(v, jsH) || !isNative(v, v.h) {
		t.Fatal("expected the runtime's h.html to be the Go join and the second evaluation's to be JavaScript")
	}
	lowered := api.Transform("const parity = "+parityCases+";", api.TransformOptions{Supported: map[string]bool{"template-literal": false}})
	if len(lowered.Errors) > 0 {
		t.Fatal(lowered.Errors[0].Text)
	}
	for _, tc := range []struct{ name, src string }{
		{"goja template objects", parityCases},
		{"esbuild lowered", "(() => {\n" + string(lowered.Code) + "\nreturn parity;\n})()"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fnVal, err := v.rt.RunScript("parity.js", `"use strict"; `+tc.src)
			if err != nil {
				t.Fatal(err)
			}
			fn, _ := goja.AssertFunction(fnVal)
			run := func(h goja.Value) []string {
				strs := v.rt.NewArray("<em>", "</em>")
				res, err := fn(goja.Undefined(), h, strs)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				if err := v.rt.ExportTo(res, &out); err != nil {
					t.Fatal(err)
				}
				return out
			}
			goOut, jsOut := run(v.h), run(jsH)
			if len(goOut) != len(jsOut) {
				t.Fatalf("%d results from Go, %d from JS", len(goOut), len(jsOut))
			}
			for i := range goOut {
				if goOut[i] != jsOut[i] {
					t.Errorf("result %d: Go %q, JS %q", i, goOut[i], jsOut[i])
				}
			}
		})
	}
}

func isNative(v *vm, h goja.Value) bool {
	fn := h.ToObject(v.rt).Get("html")
	src, err := v.rt.RunString("(f) => Function.prototype.toString.call(f)")
	if err != nil {
		return false
	}
	call, _ := goja.AssertFunction(src)
	s, err := call(goja.Undefined(), fn)
	return err == nil && strings.Contains(s.String(), "[native code]")
}

// TestGoJoinMatchesJSRandom: the same for thousands of hostile strings in
// every kind of hole the Go join handles.
func TestGoJoinMatchesJSRandom(t *testing.T) {
	r := newTestRuntime(t, WithPoolSize(1))
	v := heldVM(t, r)
	jsH := jsOnlyHelpers(t, r, v)
	mk, err := v.rt.RunScript("random.js", `"use strict"; (h) => (s) => h.render(h.html`+
		"`<p>${s}</p><a href=\"${s}\" title='${s}'>${[s, h.safe(s)]}</a><i class=${s} data-x=\"${s}\">y</i><img src=${s}><textarea>${s}</textarea>`)")
	if err != nil {
		t.Fatal(err)
	}
	mkFn, _ := goja.AssertFunction(mk)
	render := func(h goja.Value) goja.Callable {
		f, err := mkFn(goja.Undefined(), h)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := goja.AssertFunction(f)
		return g
	}
	goRender, jsRender := render(v.h), render(jsH)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		s := v.rt.ToValue(randomString(rng))
		a, errA := goRender(goja.Undefined(), s)
		b, errB := jsRender(goja.Undefined(), s)
		if errA != nil || errB != nil {
			t.Fatalf("%q: errors %v / %v", s, errA, errB)
		}
		if a.String() != b.String() {
			t.Fatalf("%q: Go %q, JS %q", s, a, b)
		}
	}
}

// TestGoJoinAcrossInstances: every instance's module evaluation has its own
// (frozen) template objects; all of them render the same, and a template
// object another evaluation's text matches is not confused with a different
// template that starts the same way.
func TestGoJoinAcrossInstances(t *testing.T) {
	r := loadWidgets(t, map[string]string{"v.js": `export default {
  title: "V",
  data() { return {}; },
  template(d, h) { return [h.html` + "`<b>${d.x}</b>`" + `, h.html` + "`<b>${d.x}</b><i>${d.x}</i>`" + `, h.html` + "`<b>${d.x}</b><a href=\"${d.x}\">x</a>`" + `]; },
};`}, WithPoolSize(1), WithModulesPerRuntime(64))
	ctx := context.Background()
	want := "<b>&lt;x&gt;</b><b>&lt;x&gt;</b><i>&lt;x&gt;</i><b>&lt;x&gt;</b><a href=\"&lt;x&gt;\">x</a>"
	for round := range 2 {
		for id := range 40 {
			out, err := r.Template(ctx, Instance{ID: int64(id), Name: "v", Hub: "h"}, []byte(`{"x":"<x>"}`))
			if err != nil {
				t.Fatal(err)
			}
			if out != want {
				t.Fatalf("round %d, instance %d: %q, want %q", round, id, out, want)
			}
		}
	}
}

// TestGoJoinTimeLimit: the Go join walks arrays without goja's interrupt
// checks, so it looks at the call's deadline itself: a template joining a
// billion items (half a minute of work) is stopped by the template limit
// like a JS loop, and the runtime is replaced.
func TestGoJoinTimeLimit(t *testing.T) {
	r := loadWidgets(t, map[string]string{"big.js": `const big = [];
for (let i = 0; i < 100000; i++) big.push(i % 2 ? "<x>" : 7);
const nested = new Array(10000).fill(big);
export default {
  title: "Big",
  data() { return {}; },
  template(d, h) { return d.small ? h.html` + "`<p>${d.small}</p>`" + ` : h.html` + "`<p>${nested}</p>`" + `; },
};`}, WithPoolSize(1), WithLimits(Limits{Data: time.Second, Template: 20 * time.Millisecond, Invalidate: time.Second, Load: time.Minute, Output: 1 << 20}))
	start := time.Now()
	_, err := r.Template(context.Background(), Instance{ID: 1, Name: "big"}, []byte(`{}`))
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("got %v, want a timeout", err)
	}
	// Generous: the whole walk would take some 30 s; stopping takes 20 ms.
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the join ran %s past a 20ms limit", d)
	}
	out, err := r.Template(context.Background(), Instance{ID: 1, Name: "big"}, []byte(`{"small":"<y>"}`))
	if err != nil || out != "<p>&lt;y&gt;</p>" {
		t.Fatalf("next call: %q, %v", out, err)
	}
}
