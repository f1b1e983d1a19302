package runtime

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// metaLib is a small fedmsg.meta: the people in msg.people, the packages in msg.pkgs, and
// misbehaviour on demand.
const metaLib = `import { sorted } from "./util.js";
export function usernames(env) {
  if (env.msg.throw) throw new Error("no people here");
  if (env.msg.loop) for (;;) {}
  if (env.msg.notList) return "alice";
  return sorted(env.msg.people || []);
}
export function packages(env) { return sorted(env.msg.pkgs || []); }
`

// TestLoadMeta: the widgets' fedmsg.meta runs on a message batch's view (the same one
// shouldInvalidate sees), outside the widget list; what it cannot do is an error for that
// call alone, and a library that does not load leaves the previous one in service.
func TestLoadMeta(t *testing.T) {
	ctx := context.Background()
	dir := writeWidgets(t, map[string]string{
		"lib/meta.js": metaLib,
		"lib/util.js": `export const sorted = (xs) => [...xs].sort();`,
		"note.js":     `export default { title: "Note", data() { return {}; }, template() { return ""; } };`,
	})
	r := newTestRuntime(t, WithPoolSize(1), WithLimits(Limits{Invalidate: 200 * time.Millisecond}))
	if err := r.LoadDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	meta := func(t *testing.T, msg string) ([]string, []string, error) {
		t.Helper()
		b, err := r.Message(ctx, []byte(`{"topic": "org.fedoraproject.prod.test.x", "msg": `+msg+`}`))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		return b.Meta()
	}

	if r.HasMeta() {
		t.Fatal("HasMeta before LoadMeta")
	}
	if _, _, err := meta(t, `{}`); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Meta before LoadMeta: %v, want ErrNotFound", err)
	}
	if err := r.LoadMeta(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if !r.HasMeta() || !slices.Contains(r.MetaInputs(), filepath.Join(dir, "lib", "util.js")) {
		t.Errorf("HasMeta %v, inputs %v: want lib/util.js among them", r.HasMeta(), r.MetaInputs())
	}
	for _, w := range r.List() {
		if w.Name != "note" {
			t.Errorf("List shows %s: fedmsg.meta is a library, not a widget", w.Name)
		}
	}

	t.Run("answers", func(t *testing.T) {
		u, p, err := meta(t, `{"people": ["ralph", "alice"], "pkgs": ["kernel"]}`)
		if err != nil || !slices.Equal(u, []string{"alice", "ralph"}) || !slices.Equal(p, []string{"kernel"}) {
			t.Fatalf("got %v %v %v", u, p, err)
		}
	})
	failures := []struct {
		name, msg string
		kind      error
		text      string
	}{
		{"throws", `{"throw": true}`, ErrThrown, "no people here"},
		{"not a list", `{"notList": true}`, ErrContract, "usernames(envelope) must return an array of strings"},
		{"runs too long", `{"loop": true}`, ErrTimeout, "did not finish"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := meta(t, tt.msg)
			var we *Error
			if !errors.As(err, &we) || !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("got %v, want a %v saying %q", err, tt.kind, tt.text)
			}
			if we.Widget != "fedmsg.meta" {
				t.Errorf("error names %q, want fedmsg.meta", we.Widget)
			}
			// The next message is served (a runtime an interrupt retired is replaced).
			if u, _, err := meta(t, `{"people": ["bob"]}`); err != nil || !slices.Equal(u, []string{"bob"}) {
				t.Fatalf("after the failure: %v %v", u, err)
			}
		})
	}

	broken := []struct {
		name, src string
		kind      error
	}{
		{"syntax error", `export function usernames(env) { return [; }`, ErrCompile},
		{"missing export", `export function usernames(env) { return []; }`, ErrContract},
		{"throws at load", `throw new Error("top level"); export function usernames() {} export function packages() {}`, ErrThrown},
	}
	for _, tt := range broken {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			bad := writeWidgets(t, map[string]string{"lib/meta.js": tt.src})
			if err := r.LoadMeta(ctx, bad); !errors.Is(err, tt.kind) {
				t.Fatalf("LoadMeta: %v, want %v", err, tt.kind)
			}
			if u, _, err := meta(t, `{"people": ["carol"]}`); err != nil || !slices.Equal(u, []string{"carol"}) {
				t.Fatalf("the previous fedmsg.meta should still serve: %v %v", u, err)
			}
		})
	}
}
