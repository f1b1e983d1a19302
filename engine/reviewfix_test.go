package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"hubs/runtime"
	"hubs/store"
)

// withCacheBytes bounds the data cache in bytes: a cache too small for some data.
func withCacheBytes(n int64) Option { return func(o *options) { o.cacheBytes = n } }

// lockedBuffer is a log sink the test reads while workers write to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// What an update may say about an error: a widget error's message and position, never
// an internal error's text (logged instead).
func TestPublicError(t *testing.T) {
	var logs lockedBuffer
	e := &Engine{log: slog.New(slog.NewTextHandler(&logs, nil)), errLog: newErrLimiter(0)}
	in := &instance{id: 7, hub: "erin", name: "activity"}
	thrown := &runtime.Error{Widget: "activity", Function: "data", File: "activity.js", Line: 3, Col: 5,
		Message: "boom", Stack: "at data (activity.js:3:5)", Err: runtime.ErrThrown}
	for _, tc := range []struct {
		name, want, logged string
		err                error
	}{
		{"widget error", "activity.js:3:5: boom", "", thrown},
		{"wrapped widget error", "activity.js:3:5: boom", "", fmt.Errorf("data of widget 7: %w", thrown)},
		{"widget error without position", "no file", "", &runtime.Error{Widget: "activity", Message: "no file", Err: runtime.ErrContract}},
		{"widget not loaded", "the widget is not available", "", fmt.Errorf("widget activity: %w", runtime.ErrNotFound)},
		{"store error", errInternalPublic, "hub_roles",
			fmt.Errorf("data of widget 7: hub erin: %w", errors.New(`relation "hub_roles" does not exist (SQLSTATE 42P01)`))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(logs.String())
			if got := e.publicError(in, in.name, tc.err); got != tc.want {
				t.Fatalf("publicError(%q) = %q, want %q", tc.err, got, tc.want)
			}
			logged := logs.String()[before:]
			if tc.logged == "" && logged != "" {
				t.Fatalf("a widget-facing error was logged here too: %s", logged)
			}
			if tc.logged != "" && !strings.Contains(logged, tc.logged) {
				t.Fatalf("the real error is not in the log: %q", logged)
			}
		})
	}
}

// A rebuild failing in the store streams the generic sentence to the hub's clients, and
// the real error (which names a table) only to the log.
func TestStoreErrorNotStreamed(t *testing.T) {
	var logs lockedBuffer
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "erin", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "erin"}})
	}, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := context.Background()
	// ctx.hub is read from the store at the first build: make that read fail.
	if _, err := h.st.Pool().Exec(ctx, `ALTER TABLE hub_roles RENAME TO hub_roles_moved`); err != nil {
		t.Fatal(err)
	}
	sub := h.e.Subscribe("erin", 0)
	defer sub.Close()
	if err := h.e.Receive(ctx, testMessage("erin", 1, nil)); err != nil {
		t.Fatal(err)
	}
	u := next(t, sub, func(u Update) bool { return u.WidgetID == ws[0].ID })
	if u.Kind != KindError || u.Error != errInternalPublic || u.Pos != "" {
		t.Fatalf("update after a store failure: %+v", u)
	}
	if !strings.Contains(logs.String(), "hub_roles") {
		t.Fatalf("the store error is not logged:\n%s", logs.String())
	}
}

// Hints computed for an old config, arriving after the new config was indexed, do not
// overwrite the new entry.
func TestStaleHintsNotIndexed(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "fay", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "fay"}})
	})
	ctx := context.Background()
	w := ws[0]
	in := h.e.lookup(w.ID)
	h.e.mu.RLock()
	oldSnap := in.runtimeInstance()
	h.e.mu.RUnlock()

	w.Config = json.RawMessage(`{"username":"gus"}`)
	h.e.addInstance(w)
	h.e.mu.RLock()
	newSnap := in.runtimeInstance()
	h.e.mu.RUnlock()
	h.e.indexInstance(ctx, newSnap)
	h.e.indexInstance(ctx, oldSnap) // the slow computation for the old config ends last

	h.e.mu.RLock()
	defer h.e.mu.RUnlock()
	if got := h.e.index.candidates("test.ping", "test", []string{"gus"}, nil, "", nil); !slices.Contains(got, w.ID) {
		t.Fatalf("candidates for the new config's user: %v, want %d among them", got, w.ID)
	}
	if got := h.e.index.candidates("test.ping", "test", []string{"fay"}, nil, "", nil); slices.Contains(got, w.ID) {
		t.Fatalf("candidates for the old config's user still include %d: %v", w.ID, got)
	}
}

// Data the cache refuses (larger than the whole cache) does not take the place of the
// last good data: a failing build after it still falls back.
func TestRefusedSetKeepsFallback(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "hal", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "hal"}})
	}, withCacheBytes(1000))
	ctx := context.Background()
	id := ws[0].ID
	in := h.e.lookup(id)
	good := testMessage("hal", 1, nil)
	if _, err := h.st.ArchiveMessage(ctx, archived(good)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.Data(ctx, id); err != nil {
		t.Fatal(err)
	}
	w, err := h.rt.Widget("activity")
	if err != nil {
		t.Fatal(err)
	}
	h.e.mu.RLock()
	hash := in.configHash
	h.e.mu.RUnlock()
	goodKey := cacheKey(id, hash, w.Version)
	in.mu.Lock()
	last := in.lastKey
	in.mu.Unlock()
	if last != goodKey {
		t.Fatalf("lastKey after the first build = %q, want %q", last, goodKey)
	}

	// A new code version (a new key) whose data is larger than the cache.
	big := testMessage("hal", 2, nil)
	big.MsgID = strings.Repeat("x", 3000)
	if _, err := h.st.ArchiveMessage(ctx, archived(big)); err != nil {
		t.Fatal(err)
	}
	nextKey := cacheKey(id, hash, w.Version+"-next")
	ent, err := h.e.runBuild(ctx, in, nextKey, in.generation())
	if err != nil || !strings.Contains(string(ent.data), big.MsgID) {
		t.Fatalf("build of the large data: %v", err)
	}
	if _, ok := h.e.cache.Get(nextKey); ok {
		t.Fatal("the cache kept data larger than itself; the test proves nothing")
	}

	// That version's data() now fails: the first data is still there to fall back on.
	if _, err := h.st.ArchiveMessage(ctx, archived(testMessage("hal", 3, map[string]any{"boom": true}))); err != nil {
		t.Fatal(err)
	}
	ent, err = h.e.runBuild(ctx, in, nextKey, in.generation())
	if err != nil {
		t.Fatalf("failing build with good data cached before: %v (the fallback was lost)", err)
	}
	if !ent.stale || decode(t, ent.data)["last"] != good.MsgID {
		t.Fatalf("fallback: stale=%v data=%s, want the first data", ent.stale, ent.data)
	}
}
