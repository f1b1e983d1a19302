package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestIsolation runs a widget that tries every way to leave state behind,
// then other widgets and other instances on the SAME goja runtime (pools of
// one: both widgets name ctx.fetch, so their data() runs on the fetch pool's),
// and checks that none of it is visible to them.
func TestIsolation(t *testing.T) {
	r := newTestRuntime(t, WithPoolSize(1), WithFetchPoolSize(1))
	ctx := context.Background()
	if err := r.LoadDir(ctx, "testdata/isolation"); err != nil {
		t.Fatal(err)
	}
	data := func(id int64, name, config string) map[string]any {
		t.Helper()
		return dataOf(t, r, Instance{ID: id, Name: name, Config: []byte(config)})
	}

	t.Run("frozen realm", func(t *testing.T) {
		got := data(1, "polluter", `{"tag":"a"}`)["results"]
		want := map[string]any{
			"global":            "TypeError",
			"implicitGlobal":    "ReferenceError",
			"defineGlobal":      "TypeError",
			"objectPrototype":   "TypeError",
			"protoSetter":       "TypeError",
			"arrayPrototype":    "TypeError",
			"json":              "TypeError",
			"iteratorPrototype": "TypeError",
			"sloppyFunction":    "allowed", // sloppy code fails silently on the frozen global...
			"ctx":               "TypeError",
			"ctxFunction":       "TypeError",
			"ctxNamespace":      "TypeError",
			"ctxNested":         "TypeError",
			"errorSubclassName": "allowed", // ...and ordinary own-property writes still work
			"ownToString":       "allowed",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("attempts:\n got %v\nwant %v", got, want)
		}
		obs := data(2, "observer", `{}`)
		wantObs := map[string]any{"ctxLeak": true, "leak": "undefined", "leak2": "undefined", "leak3": "undefined", "leak4": "undefined",
			"polluted": true, "map": true, "json": true, "hub": "unchanged", "goError": "undefined"}
		if !reflect.DeepEqual(obs, wantObs) {
			t.Errorf("observer saw:\n got %v\nwant %v", obs, wantObs)
		}
	})

	t.Run("data module state per instance", func(t *testing.T) {
		// Instance 10 calls twice, instance 11 once: each sees only its own
		// module variables (counter, the Map of tags): data() keeps its
		// per-instance evaluation.
		a1 := data(10, "polluter", `{"tag":"ten"}`)
		a2 := data(10, "polluter", `{"tag":"ten-again"}`)
		b1 := data(11, "polluter", `{"tag":"eleven"}`)
		if a1["counter"] != 1.0 || a2["counter"] != 2.0 || b1["counter"] != 1.0 {
			t.Errorf("counters: a1 %v a2 %v b1 %v", a1["counter"], a2["counter"], b1["counter"])
		}
		if !reflect.DeepEqual(b1["tags"], []any{"eleven"}) {
			t.Errorf("instance 11 saw tags %v", b1["tags"])
		}
		if !reflect.DeepEqual(a2["tags"], []any{"ten", "ten-again"}) {
			t.Errorf("instance 10 saw tags %v", a2["tags"])
		}
		// The same instance again keeps counting.
		if c := data(10, "polluter", `{"tag":"x"}`); c["counter"] != 3.0 {
			t.Errorf("same instance again: counter %v", c["counter"])
		}
	})

	t.Run("helpers are frozen", func(t *testing.T) {
		html, err := r.Template(ctx, Instance{ID: 1, Name: "polluter"}, []byte(`{}`))
		if err != nil || html != "<p>TypeError</p>" {
			t.Errorf("polluter template = %q, %v", html, err)
		}
		html, err = r.Template(ctx, Instance{ID: 2, Name: "observer"}, []byte(`{}`))
		if err != nil || html != "<p>&lt;b&gt;</p>" {
			t.Errorf("observer template = %q, %v", html, err)
		}
	})

	t.Run("message is read-only", func(t *testing.T) {
		msg := []byte(`{"topic":"org.fedoraproject.prod.x.y","msg":{}}`)
		insts := []Instance{{ID: 1, Name: "polluter"}, {ID: 2, Name: "observer"}}
		out, err := r.Invalidations(ctx, msg, insts, nil)
		if err != nil || !reflect.DeepEqual(out, []bool{false, true}) {
			t.Errorf("verdicts %v, %v: the observer saw the polluter's changes", out, err)
		}
	})
}

// TestSharedEvaluation: template, shouldInvalidate and hints.usernames of 1,000
// instances run on one evaluation of the widget's module per runtime, while data()
// still evaluates it once per instance.
func TestSharedEvaluation(t *testing.T) {
	ctx := context.Background()
	for _, pool := range []int{1, 2} {
		t.Run(fmt.Sprintf("pool of %d", pool), func(t *testing.T) {
			r := newTestRuntime(t, WithPoolSize(pool))
			if err := r.LoadDir(ctx, "testdata/isolation"); err != nil {
				t.Fatal(err)
			}
			insts := make([]Instance, 1000)
			for i := range insts {
				insts[i] = Instance{ID: int64(i + 1), Name: "observer", Hub: fmt.Sprintf("hub%d", i), Config: []byte(`{"n":` + strconv.Itoa(i) + `}`)}
			}
			msg := []byte(`{"topic":"org.fedoraproject.prod.x.y","msg":{}}`)
			var wg sync.WaitGroup
			for range pool {
				wg.Go(func() {
					out, err := r.Invalidations(ctx, msg, insts, nil)
					if err != nil || len(out) != len(insts) || slices.Contains(out, false) {
						t.Errorf("verdicts %v, %v", out, err)
					}
				})
			}
			wg.Wait()
			for _, inst := range insts[:50] {
				if _, err := r.Template(ctx, inst, []byte(`{}`)); err != nil {
					t.Fatal(err)
				}
				if _, err := r.Hints(ctx, inst); err != nil {
					t.Fatal(err)
				}
			}
			if n := evaluations(t, r); n > pool {
				t.Errorf("%d evaluations for 1,000 instances on %d runtimes, want at most one per runtime", n, pool)
			}
			before := evaluations(t, r)
			for _, inst := range insts[:3] {
				if _, err := r.Data(ctx, inst, Hub{Name: inst.Hub}); err != nil {
					t.Fatal(err)
				}
			}
			if n := evaluations(t, r) - before; n != 3 {
				t.Errorf("data() of 3 instances made %d evaluations, want 3 (one per instance)", n)
			}
		})
	}
}

// evaluations sums the module evaluations of r's runtimes (both pools), holding them all
// meanwhile.
func evaluations(t *testing.T, r *Runtime) int {
	t.Helper()
	n := 0
	for _, p := range []*pool{r.pool, r.fetches} {
		for range cap(p.tokens) {
			p.tokens <- struct{}{}
		}
		p.mu.Lock()
		for _, v := range p.idle {
			n += v.evaluations
		}
		p.mu.Unlock()
		for range cap(p.tokens) {
			<-p.tokens
		}
	}
	return n
}

// The shared evaluations (one per widget version) are kept whatever WithModulesPerRuntime
// bounds data()'s per-instance ones to: the hint index asks every instance's widget in turn.
func TestSharedModulesOutliveASmallDataCache(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{}
	for _, name := range []string{"a", "b", "c"} {
		files[name+".js"] = `export default { title: "` + name + `", hints: { usernames: (config) => [config.who] },
  data() { return {}; }, template() { return ""; }, shouldInvalidate() { return true; } };`
	}
	r := newTestRuntime(t, WithPoolSize(1), WithModulesPerRuntime(1))
	if err := r.LoadDir(ctx, writeWidgets(t, files)); err != nil {
		t.Fatal(err)
	}
	before := evaluations(t, r)
	for i := range 300 {
		inst := Instance{ID: int64(i + 1), Name: string(rune('a' + i%3)), Hub: "h", Config: []byte(`{"who":"u` + strconv.Itoa(i) + `"}`)}
		if _, err := r.Hints(ctx, inst); err != nil {
			t.Fatal(err)
		}
	}
	if n := evaluations(t, r) - before; n > 3 {
		t.Errorf("%d evaluations for the hints of 300 instances of 3 widgets, want at most 3", n)
	}
}

// TestImportsSharedPerWidget: what a widget imports is evaluated once per widget version
// and runtime, so its module state is shared by that widget's instances (data() and the
// shared evaluation alike), while the widget file's own module state stays per instance
// and another widget importing the same file gets its own evaluation of it. Errors in an
// import point at the imported file; editing an import starts it afresh.
func TestImportsSharedPerWidget(t *testing.T) {
	ctx := context.Background()
	files := map[string]string{
		"lib/count.js": `let n = 0;
export function next() { return ++n; }
export default "lib default";
export const label = "count";
`,
		"lib/boom.js": `export function boom() {
  throw new Error("boom in lib");
}
`,
		"a.js": `import def, { next } from "./lib/count.js";
import * as count from "./lib/count.js";
const require = "a's own require";
let own = 0;
export default { title: "a",
  data() { return { lib: next(), own: ++own, def, label: count.label, require }; },
  template() { return ""; },
  shouldInvalidate() { return next() > 0; } };
`,
		"b.js": `import { next } from "./lib/count.js";
export default { title: "b", data() { return { lib: next() }; }, template() { return ""; } };
`,
		"c.js": `import { boom } from "./lib/boom.js";
export default { title: "c", data() { return boom(); }, template() { return ""; } };
`,
	}
	dir := writeWidgets(t, files)
	r := newTestRuntime(t, WithPoolSize(1))
	if err := r.LoadDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	data := func(id int64, name string) map[string]any {
		t.Helper()
		return dataOf(t, r, Instance{ID: id, Name: name})
	}
	steps := []struct {
		id       int64
		name     string
		lib, own float64
	}{
		{1, "a", 1, 1},
		{2, "a", 2, 1}, // another instance: the import's counter goes on, its own starts
		{1, "a", 3, 2},
		{3, "b", 1, 0}, // another widget: its own evaluation of lib/count.js
		{2, "a", 4, 2},
	}
	for i, s := range steps {
		got := data(s.id, s.name)
		if got["lib"] != s.lib || (s.name == "a" && got["own"] != s.own) {
			t.Errorf("step %d (%s #%d): got %v, want lib %v own %v", i, s.name, s.id, got, s.lib, s.own)
		}
		if s.name == "a" && (got["def"] != "lib default" || got["label"] != "count" || got["require"] != "a's own require") {
			t.Errorf("step %d: imports or the widget's own require read wrong: %v", i, got)
		}
	}
	// shouldInvalidate runs on the shared evaluation of a, on the same imports.
	if _, err := r.Invalidations(ctx, []byte(`{"topic":"t","msg":{}}`), []Instance{{ID: 9, Name: "a", Hub: "h"}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := data(1, "a"); got["lib"] != 6.0 {
		t.Errorf("after shouldInvalidate: lib %v, want 6 (one count shared by data and shouldInvalidate)", got["lib"])
	}

	_, err := r.Data(ctx, Instance{ID: 4, Name: "c", Hub: "h"}, Hub{Name: "h"})
	var e *Error
	if !errors.As(err, &e) || filepath.Base(e.File) != "boom.js" || e.Line != 2 || !strings.Contains(e.Message, "boom in lib") {
		t.Errorf("error thrown in an import: %v (%+v), want lib/boom.js:2", err, e)
	}

	// An import of a name the imported file does not export is refused at load, with its
	// position, as the browser refuses the module; the version in service stays.
	for name, src := range map[string]string{
		"missing named":   `import { nope } from "./lib/count.js";` + "\nexport default { title: \"a\", data() { return nope; }, template() { return \"\"; } };\n",
		"missing default": `import d from "./lib/boom.js";` + "\nexport default { title: \"a\", data() { return d; }, template() { return \"\"; } };\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, "a.js"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := r.Reload(ctx, "a")
		var e *Error
		if !errors.As(err, &e) || filepath.Base(e.File) != "a.js" || e.Line != 1 || !strings.Contains(e.Message, "No matching export") {
			t.Errorf("%s: reload gave %v (%+v), want a.js:1 No matching export", name, err, e)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "a.js"), []byte(files["a.js"]), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := data(1, "a"); got["lib"] != 7.0 {
		t.Errorf("after the refused versions: %v, want the version in service (lib 7)", got)
	}

	// A changed import is a new version of the widget: its state starts afresh.
	if err := os.WriteFile(filepath.Join(dir, "lib", "count.js"), []byte(`let n = 100;
export function next() { return ++n; }
export default "lib default";
export const label = "count v2";
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reload(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := data(1, "a"); got["lib"] != 101.0 || got["label"] != "count v2" || got["own"] != 1.0 {
		t.Errorf("after the import changed: %v, want lib 101, label count v2, own 1", got)
	}
}
