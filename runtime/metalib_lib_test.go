package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hubs/runtime"
)

// TestMetaAnswerUsedByLib: widgets/lib/meta.js's usernames and packages return the answer
// the message view holds (a copy) instead of working it out. Here the engine's fedmsg.meta
// (a small stand-in) and the widget's bundled lib/meta.js would disagree, and the widget
// sees the stand-in's answer; without Meta it works out its own.
func TestMetaAnswerUsedByLib(t *testing.T) {
	ctx := context.Background()
	r := libRuntime(t, "testdata/meta/who.js", "who")
	standIn := t.TempDir()
	lib := `export function usernames(env) { return env.msg.people || []; }
export function packages(env) { return env.msg.pkgs || []; }
`
	if err := os.MkdirAll(filepath.Join(standIn, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(standIn, filepath.FromSlash(runtime.MetaFile)), []byte(lib), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.LoadMeta(ctx, standIn); err != nil {
		t.Fatal(err)
	}
	// A real Bodhi comment: lib/meta.js names its author and the update's package; the
	// stand-in finds no msg.people nor msg.pkgs in it.
	var msg []byte
	for _, rec := range readJSONL[metaRecord](t, "../testdata/fedmsg/meta_examples.jsonl") {
		if strings.HasSuffix(rec.Topic, ".bodhi.update.comment") {
			msg = rec.Msg
			break
		}
	}
	for _, tt := range []struct {
		meta bool
		want string
	}{{true, `[[],[]]`}, {false, `[["kalev"],["xdg-desktop-portal"]]`}} {
		b, err := r.Message(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		if tt.meta {
			if _, _, err := b.Meta(); err != nil {
				t.Fatal(err)
			}
		}
		got, err := b.Invalidations([]runtime.Instance{{ID: 1, Name: "who", Hub: "h", Config: []byte(`{"want":` + strconv.Quote(tt.want) + `}`)}}, nil)
		b.Close()
		if err != nil || !got[0] {
			t.Errorf("meta run %v: usernames and packages are not %s (%v)", tt.meta, tt.want, err)
		}
	}
}
