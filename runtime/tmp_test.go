package runtime

import (
	"testing"
	"time"
	"context"
	"github.com/dop251/goja"
)

func TestTmpSpeed(t *testing.T) {
	r := loadedRuntime(t, WithPoolSize(1))
	v, _ := r.pool.get(context.Background())
	for _, code := range []string{
		"(function(h){ const f = (x) => h.html`<li><a href=\"${x}\">${x}</a> by ${x}</li>`; return () => { for (let i=0;i<100;i++) f('abc') } })",
		"(function(h){ const f = (x) => h.html`<li>${x}</li>`; return () => { for (let i=0;i<100;i++) f('abc') } })",
		"(function(h){ const f = (x) => h.html`<li>x</li>`; return () => { for (let i=0;i<100;i++) f('abc') } })",
		"(function(h){ const f = (x) => h.safe(x); return () => { for (let i=0;i<100;i++) f('abc') } })",
		"(function(h){ const f = (...x) => x; return () => { for (let i=0;i<100;i++) f('abc') } })",
		"(function(h){ const f = (x) => h.escape(x); return () => { for (let i=0;i<100;i++) f('abc') } })",
		"(function(h){ const f = (x) => h.safeURL(x); return () => { for (let i=0;i<100;i++) f('abc') } })",
		"(function(h){ const w = new WeakMap(); const k = Object.freeze([1]); w.set(k, 1); return () => { for (let i=0;i<100;i++) w.get(k) } })",
		"(function(h){ class A { constructor(x){ this.x = x; Object.freeze(this) } }; return () => { for (let i=0;i<100;i++) new A(1) } })",
		"(function(h){ return () => { for (let i=0;i<100;i++) 'abc'.replace(/[&<>]/g, 'x') } })",
		"(function(h){ return () => { for (let i=0;i<100;i++) /[&<>]/.test('abc') } })",
	} {
		mk, err := v.rt.RunString(code)
		if err != nil { t.Fatal(err) }
		f, _ := goja.AssertFunction(mk)
		loopV, err := f(goja.Undefined(), v.h)
		if err != nil { t.Fatal(err) }
		loop, _ := goja.AssertFunction(loopV)
		start := time.Now()
		for i := 0; i < 100; i++ { if _, err := loop(goja.Undefined()); err != nil { t.Fatal(err) } }
		t.Logf("%v per call: %s", time.Since(start)/10000, code[:60])
	}
}
