package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hubs/runtime"
	"hubs/store"
)

// writeByRename saves a file the way vim and many editors do: write a new file next to it,
// then rename it over the old one.
func writeByRename(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".swp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Editing a widget file: a code update with the new version, then the rebuilt data.
// Breaking it: an error update with file:line:col, and the old code keeps serving.
// A lib file changed: its dependents reload. Widget files added and deleted come and go.
func TestHotReload(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "erin", store.NewWidget{Name: "note", Column: store.ColumnLeft, Config: map[string]any{"text": "hello"}})
	}, WithDev(true), WithDebounce(50*time.Millisecond))
	ctx := context.Background()
	id := ws[0].ID
	if _, err := h.e.Data(ctx, id); err != nil {
		t.Fatal(err)
	}
	note := filepath.Join(h.dir, "note.js")
	original := readFile(t, note)
	v0, _ := h.rt.Widget("note")
	sub := h.e.Subscribe("erin", 0)
	defer sub.Close()

	t.Run("edit", func(t *testing.T) {
		writeByRename(t, note, strings.Replace(original, "return { text: shout(config.text), hub: ctx.hub.name };",
			`return { text: shout(config.text), hub: ctx.hub.name, edited: true };`, 1))
		u := next(t, sub, func(u Update) bool { return u.WidgetID == id && u.Kind != KindLayout })
		if u.Kind != KindCode || u.Version == "" || u.Version == v0.Version {
			t.Fatalf("first update after the edit: %+v, want code with a new version", u)
		}
		d := next(t, sub, func(u Update) bool { return u.WidgetID == id && u.Kind == KindData })
		if decode(t, d.Data)["edited"] != true || d.Version != u.Version {
			t.Fatalf("rebuilt data %s (version %s), want edited by version %s", d.Data, d.Version, u.Version)
		}
	})

	t.Run("break", func(t *testing.T) {
		good, _ := h.rt.Widget("note")
		// Truncate-and-write in place, the other way editors save.
		if err := os.WriteFile(note, []byte("export default {\n  title: \"Note\",\n  data(ctx, config) { return ; ;; }}}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		u := next(t, sub, func(u Update) bool { return u.WidgetID == id })
		if u.Kind != KindError || !strings.Contains(u.Pos, "note.js:") {
			t.Fatalf("update after breaking the file: %+v, want an error at note.js:line:col", u)
		}
		if w, _ := h.rt.Widget("note"); w.Version != good.Version {
			t.Fatal("the broken file replaced the working code")
		}
		d, err := h.e.Data(ctx, id)
		if err != nil || decode(t, d.JSON)["edited"] != true {
			t.Fatalf("Data with broken code on disk: %s, %v; want the last working version's", d.JSON, err)
		}
		writeByRename(t, note, original)
		next(t, sub, func(u Update) bool { return u.WidgetID == id && u.Kind == KindCode })
	})

	t.Run("lib", func(t *testing.T) {
		lib := filepath.Join(h.dir, "lib", "text.js")
		writeByRename(t, lib, strings.Replace(readFile(t, lib), "return String(s);", "return String(s).toUpperCase();", 1))
		next(t, sub, func(u Update) bool { return u.WidgetID == id && u.Kind == KindCode })
		// The rebuild after the restore above may come first: wait for the shouted text.
		next(t, sub, func(u Update) bool {
			return u.WidgetID == id && u.Kind == KindData && decode(t, u.Data)["text"] == "HELLO"
		})
	})

	t.Run("add and delete", func(t *testing.T) {
		dir := filepath.Join(h.dir, "extra")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "hello.js")
		src := "export default { title: \"Hello\", data() { return { hi: 1 }; }, template(d, h) { return h.html`hi`; } };\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		eventually(t, "extra.hello to come into service", func() bool {
			_, err := h.rt.Widget("extra.hello")
			return err == nil
		})
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		eventually(t, "extra.hello to leave service", func() bool {
			_, err := h.rt.Widget("extra.hello")
			return err != nil
		})
	})
}

// A changed lib/meta.js is loaded again into the runtime's fedmsg.meta, also when the one
// there at start did not load (that a broken edit leaves the last working version in
// service is runtime's TestLoadMeta).
func TestHotReloadMeta(t *testing.T) {
	h := newHarness(t, nil, WithDev(true), WithDebounce(50*time.Millisecond))
	ctx := context.Background()
	meta := filepath.Join(h.dir, "lib", "meta.js")
	version := func(v string) string {
		return `export function usernames(env) { return ["` + v + `"]; }
export function packages(env) { return []; }
`
	}
	if err := os.WriteFile(meta, []byte("export function usernames(env) { return [; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.rt.LoadMeta(ctx, h.dir); err == nil || h.rt.HasMeta() {
		t.Fatalf("a broken lib/meta.js loaded: %v", err)
	}
	// says is what fedmsg.meta names, "" while none is loaded.
	says := func() string {
		b, err := h.rt.Message(ctx, []byte(`{"topic": "org.fedoraproject.prod.test.x", "msg": {}}`))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		u, _, err := b.Meta()
		if errors.Is(err, runtime.ErrNotFound) {
			return ""
		}
		if err != nil || len(u) != 1 {
			t.Fatalf("meta: %v %v", u, err)
		}
		return u[0]
	}
	writeByRename(t, meta, version("one"))
	eventually(t, "the mended lib/meta.js to serve", func() bool { return says() == "one" })
	writeByRename(t, meta, version("two"))
	eventually(t, "the edited lib/meta.js to serve", func() bool { return says() == "two" })
}
