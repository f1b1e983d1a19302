package runtime

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
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

// peekWidget looks at the holder of fedmsg.meta's answer on the message view, and tries
// to change it.
const peekWidget = `export default {
  title: "Peek",
  data() { return {}; },
  template() { return ""; },
  shouldInvalidate(message, widget) {
    const k = message[Symbol.for("hubs.fedmsg.meta")];
    switch (widget.config.mode) {
      case "read": return JSON.stringify(k) === widget.config.want;
      case "replace": k.usernames = ["mallory"]; return true;
      case "push": k.usernames.push("mallory"); return true;
      case "add": k.extra = 1; return true;
      case "redefine": Object.defineProperty(message, Symbol.for("hubs.fedmsg.meta"), { value: {} }); return true;
    }
    return false;
  },
};`

// TestMetaAnswerOnView: after Meta, the message view the batch's widgets see holds its
// answer, frozen; without Meta the holder is empty and frozen too. No widget can change
// what the next one reads.
func TestMetaAnswerOnView(t *testing.T) {
	ctx := context.Background()
	dir := writeWidgets(t, map[string]string{
		"lib/meta.js": metaLib,
		"lib/util.js": `export const sorted = (xs) => [...xs].sort();`,
		"peek.js":     peekWidget,
	})
	r := newTestRuntime(t, WithPoolSize(1))
	if err := r.LoadDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if err := r.LoadMeta(ctx, dir); err != nil {
		t.Fatal(err)
	}
	inst := func(id int64, mode, want string) Instance {
		return Instance{ID: id, Name: "peek", Hub: "h", Config: []byte(`{"mode":"` + mode + `","want":` + strconv.Quote(want) + `}`)}
	}
	msg := []byte(`{"topic": "org.fedoraproject.prod.test.x", "msg": {"people": ["bob", "alice"], "pkgs": ["kernel"]}}`)
	for _, withMeta := range []bool{true, false} {
		t.Run(fmt.Sprintf("meta run %v", withMeta), func(t *testing.T) {
			b, err := r.Message(ctx, msg)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			want := `{}`
			if withMeta {
				if _, _, err := b.Meta(); err != nil {
					t.Fatal(err)
				}
				want = `{"usernames":["alice","bob"],"packages":["kernel"]}`
			}
			insts := []Instance{inst(1, "read", want), inst(2, "replace", ""), inst(3, "push", ""), inst(4, "add", ""),
				inst(5, "redefine", ""), inst(6, "read", want)}
			got, err := b.Invalidations(insts, nil)
			if !got[0] || !got[5] {
				t.Errorf("the holder reads %v before and %v after the attempts, want %s both times", got[0], got[5], want)
			}
			for i, yes := range got[1:5] {
				if yes {
					t.Errorf("%s: changed the holder", insts[i+1].Config)
				}
			}
			if n := len(err.(interface{ Unwrap() []error }).Unwrap()); !errors.Is(err, ErrThrown) || n != 4 {
				t.Errorf("want 4 thrown writes, got %d: %v", n, err)
			}
		})
	}
}
