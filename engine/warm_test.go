package engine

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"hubs/store"
)

// The keep-warm loop runs data() of a rebuilt instance again while messages come in, and
// neither publishes nor caches what it returns.
func TestKeepWarm(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "alice", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "alice"}})
	}, WithKeepWarm(time.Millisecond))
	ctx := context.Background()
	id := ws[0].ID
	sub := h.e.Subscribe("alice", 0)
	defer sub.Close()
	m := testMessage("alice", 1, nil)
	if _, err := h.st.ArchiveMessage(ctx, archived(m)); err != nil {
		t.Fatal(err)
	}
	if err := h.e.Handle(ctx, m); err != nil {
		t.Fatal(err)
	}
	first := next(t, sub, func(u Update) bool { return u.Kind == KindData && u.WidgetID == id })
	rebuilds := value(h.e.metrics.Rebuilds.WithLabelValues(ResultOK))
	cached, err := h.e.Data(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	// Messages about somebody with no widget keep the bus busy and rebuild nothing.
	seq := 0
	eventually(t, "three warm-ups", func() bool {
		seq++
		if err := h.e.Handle(ctx, testMessage("bob", seq, nil)); err != nil {
			t.Fatal(err)
		}
		return value(h.e.metrics.Warmups) >= 3
	})
	if got := value(h.e.metrics.Rebuilds.WithLabelValues(ResultOK)); got != rebuilds {
		t.Fatalf("rebuilds %v -> %v: a warm-up counted as a rebuild", rebuilds, got)
	}
	after, err := h.e.Data(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if string(after.JSON) != string(cached.JSON) || string(after.JSON) != string(first.Data) {
		t.Fatalf("data after warm-ups %s, want what the rebuild published, %s", after.JSON, first.Data)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if u, err := sub.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a warm-up published %+v (%v)", u, err)
	}
}

// When the loop warms, what, and in which order.
func TestWarmerDue(t *testing.T) {
	const tick = time.Millisecond
	t0 := time.Unix(1_800_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	var w warmer
	due := func(now time.Time) string {
		t.Helper()
		in, name := w.due(now, tick)
		if (in == nil) != (name == "") || in != nil && in.name != name {
			t.Fatalf("due = %v, %q", in, name)
		}
		if in != nil {
			w.ended(now, tick/warmShare)
		}
		return name
	}
	w.handled(t0)
	if got := due(at(time.Second / 2)); got != "" {
		t.Fatalf("nothing rebuilt yet: due %q", got)
	}
	a, b := &instance{id: 1, name: "a"}, &instance{id: 2, name: "b"}
	w.noteBuilt(a, "a", false, t0)
	w.noteBuilt(b, "b", false, t0)
	if got := due(at((warmQuiet - 1) * tick)); got != "" {
		t.Fatalf("a rebuild ended %d ticks ago: due %q", warmQuiet-1, got)
	}
	var order []string
	for i := range 4 {
		order = append(order, due(at(warmQuiet*tick+time.Duration(i)*tick)))
	}
	if want := []string{"a", "b", "a", "b"}; !slices.Equal(order, want) {
		t.Fatalf("warmed %v, want %v", order, want)
	}
	if got := due(at(warmQuiet*tick + 3*tick + tick/2)); got != "" {
		t.Fatalf("half a tick after a warm-up: due %q", got)
	}
	// A warm-up that ran for 2 ticks: none for warmShare x 2 ticks after it.
	w.ended(at(8*tick), 2*tick)
	if got := due(at(8*tick + (2*warmShare-1)*tick)); got != "" {
		t.Fatalf("%d ticks after a warm-up of 2: due %q", 2*warmShare-1, got)
	}
	if got := due(at(8*tick + 2*warmShare*tick)); got != "a" {
		t.Fatalf("%d ticks after a warm-up of 2: due %q, want a", 2*warmShare, got)
	}

	// A widget that fetches is never warmed, but its rebuild keeps the path warm too.
	w.noteBuilt(&instance{id: 3, name: "fetches"}, "fetches", true, at(100*tick))
	if got := due(at(101 * tick)); got != "" {
		t.Fatalf("a rebuild a tick ago: due %q", got)
	}
	if got := due(at(110 * tick)); got != "b" {
		t.Fatalf("due %q, want b", got)
	}
	if got := due(at(warmBusy + 10*tick)); got != "" {
		t.Fatalf("no message for %v: due %q", warmBusy+10*tick, got)
	}
	w.handled(at(warmOpen / 2))
	if got := due(at(warmOpen / 2)); got != "a" {
		t.Fatalf("a message again: due %q, want a", got)
	}
	w.handled(at(warmOpen + time.Second))
	if got := due(at(warmOpen + time.Second)); got != "" {
		t.Fatalf("nothing rebuilt for %v: due %q", warmOpen+time.Second, got)
	}

	// A rebuild of another instance of a widget replaces it; forget drops only the one noted.
	a2 := &instance{id: 4, name: "a"}
	now := at(2 * warmOpen)
	w.noteBuilt(a2, "a", false, now)
	w.handled(now)
	w.forget(a, "a") // not the one noted any more
	w.forget(b, "b")
	var seen []string
	for i := range 3 {
		seen = append(seen, due(now.Add(warmQuiet*tick+time.Duration(i)*tick)))
	}
	if want := []string{"a", "a", "a"}; !slices.Equal(seen, want) {
		t.Fatalf("after forgetting b: warmed %v, want %v", seen, want)
	}
	if in, _ := w.due(now.Add(time.Second/2), tick); in != a2 {
		t.Fatalf("warmed %+v, want the instance rebuilt last", in)
	}
}

// An instance removed is dropped from the loop, not run (warmUp drops one whose widget is
// gone or fetches, or whose data() fails, the same way).
func TestWarmUpForgets(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	now := time.Now()
	gone := &instance{id: 999, name: "activity", hub: "alice", config: []byte(`{"username":"alice"}`)}
	h.e.warm.noteBuilt(gone, "activity", false, now)
	h.e.warm.handled(now)
	h.e.warmUp(ctx, gone, "activity")
	if len(h.e.warm.names) != 0 || value(h.e.metrics.Warmups) != 0 {
		t.Fatalf("a removed instance: names %v, %v warm-ups", h.e.warm.names, value(h.e.metrics.Warmups))
	}
}
