package runtime

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func newTestRuntime(t testing.TB, opts ...Option) *Runtime {
	t.Helper()
	src, err := os.ReadFile("../static/h.js")
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(append([]Option{WithHelpers(src)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// writeWidgets creates a widgets folder holding files (path -> content).
func writeWidgets(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadWidgets makes a runtime over a folder of the given files, failing the
// test if any widget does not load.
func loadWidgets(t testing.TB, files map[string]string, opts ...Option) *Runtime {
	t.Helper()
	r := newTestRuntime(t, opts...)
	if err := r.LoadDir(context.Background(), writeWidgets(t, files)); err != nil {
		t.Fatal(err)
	}
	return r
}

// widgetJS is a minimal valid widget with some members replaced.
func widgetJS(members string) string {
	return "export default {\n  title: \"T\",\n  data() { return {}; },\n  template(d, h) { return h.html`<p>x</p>`; },\n" + members + "\n};\n"
}

// dataOf runs data() for inst on hub "h" (or inst.Hub) and decodes its JSON object,
// failing the test on an error.
func dataOf(t testing.TB, r *Runtime, inst Instance) map[string]any {
	t.Helper()
	if inst.Hub == "" {
		inst.Hub = "h"
	}
	return dataOn(t, r, inst, Hub{Name: inst.Hub})
}

// dataOn is dataOf with the hub data() sees as ctx.hub.
func dataOn(t testing.TB, r *Runtime, inst Instance, hub Hub) map[string]any {
	t.Helper()
	out, err := r.Data(context.Background(), inst, hub)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// heldVM takes a vm from r's pool for the rest of the test, which gives it back at its end.
func heldVM(t testing.TB, r *Runtime) *vm {
	t.Helper()
	v, err := r.pool.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.pool.put(v) })
	return v
}
