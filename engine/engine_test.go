package engine

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"hubs/fedmsg"
	"hubs/runtime"
	"hubs/store"
	"hubs/store/storetest"
)

func decode(t testing.TB, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("data %s: %v", raw, err)
	}
	return m
}

// Concurrent callers on a cold cache share one build; the next call is a cache hit.
func TestDataSingleflight(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "alice", store.NewWidget{Name: "slow", Column: store.ColumnLeft})
	})
	id := ws[0].ID
	ctx := context.Background()
	const callers = 8
	var wg sync.WaitGroup
	results := make([]Data, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() { results[i], errs[i] = h.e.Data(ctx, id) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if string(results[i].JSON) != string(results[0].JSON) {
			t.Fatalf("caller %d got %s, caller 0 %s", i, results[i].JSON, results[0].JSON)
		}
	}
	if n := value(h.e.metrics.Rebuilds.WithLabelValues(ResultOK)); n != 1 {
		t.Fatalf("%d builds for %d concurrent callers, want 1", int(n), callers)
	}
	hits := value(h.e.metrics.CacheHits)
	if _, err := h.e.Data(ctx, id); err != nil {
		t.Fatal(err)
	}
	if value(h.e.metrics.CacheHits) != hits+1 {
		t.Fatal("second Data call was not a cache hit")
	}
	if _, err := h.e.Data(ctx, 999999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown instance: %v, want ErrNotFound", err)
	}
}

// A burst of 1,000 messages for one widget gives a handful of rebuilds, and the data
// after the burst reflects the last message. The burst arrives while the first rebuild
// waits (on a lock the test holds on the archive's messages), so the count does not depend
// on how fast rebuilds are against Handle: one rebuild running, one more asked for.
func TestCoalescing(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "alice", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "alice"}})
	}, WithWorkers(2))
	ctx := context.Background()
	id := ws[0].ID
	if _, err := h.e.Data(ctx, id); err != nil {
		t.Fatal(err)
	}
	const burst = 1000
	msgs := make([]*fedmsg.Envelope, burst)
	for i := range burst {
		msgs[i] = testMessage("alice", i, nil)
		if _, err := h.st.ArchiveMessage(ctx, archived(msgs[i])); err != nil {
			t.Fatal(err)
		}
	}
	sub := h.e.Subscribe("alice", 0)
	defer sub.Close()
	before := value(h.e.metrics.Rebuilds.WithLabelValues(ResultOK))
	// The widget's data() reads the archive: hold it until the burst is in.
	tx, err := h.st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "LOCK TABLE messages IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	in := h.e.lookup(id)
	for i, m := range msgs {
		if err := h.e.Handle(ctx, m); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			eventually(t, "the first rebuild to start", func() bool {
				in.mu.Lock()
				defer in.mu.Unlock()
				return in.running
			})
		}
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	last := msgs[burst-1].MsgID
	u := next(t, sub, func(u Update) bool {
		return u.Kind == KindData && u.WidgetID == id && decode(t, u.Data)["last"] == last
	})
	if got := decode(t, u.Data)["total"]; got != float64(burst) {
		t.Fatalf("total after the burst = %v, want %d", got, burst)
	}
	// Wait for the queue to drain: no rebuild running or queued.
	eventually(t, "the rebuilds to finish", func() bool {
		in.mu.Lock()
		defer in.mu.Unlock()
		return !in.running && !in.queued
	})
	rebuilds := value(h.e.metrics.Rebuilds.WithLabelValues(ResultOK)) - before
	t.Logf("%d messages, %d rebuilds, %v invalidations", burst, int(rebuilds), value(h.e.metrics.Invalidations))
	if rebuilds < 1 || rebuilds > 2 {
		t.Fatalf("%d rebuilds for a burst of %d messages, want the one running and one more: not coalesced", int(rebuilds), burst)
	}
	d, err := h.e.Data(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if decode(t, d.JSON)["last"] != last {
		t.Fatalf("data after the burst %s, want last %s", d.JSON, last)
	}
}

// A config saved: the old data is gone from the cache, the new data is built and
// published, and Data serves it.
func TestConfigChange(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "alice",
			store.NewWidget{Name: "note", Column: store.ColumnLeft, Config: map[string]any{"text": "one"}},
			store.NewWidget{Name: "note", Column: store.ColumnLeft, Config: map[string]any{"text": "other"}})
	})
	ctx := context.Background()
	id, otherID := ws[0].ID, ws[1].ID
	d, err := h.e.Data(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if decode(t, d.JSON)["text"] != "one" {
		t.Fatalf("data %s", d.JSON)
	}
	if _, err := h.e.Data(ctx, otherID); err != nil {
		t.Fatal(err)
	}
	oldKey := h.e.lookup(id).lastKey
	sub := h.e.Subscribe("alice", 0)
	defer sub.Close()
	otherGen := h.e.lookup(otherID).generation()
	rebuilds := func() float64 { return value(h.e.metrics.Rebuilds.WithLabelValues(ResultOK)) }
	rebuilt := rebuilds()

	if _, err := h.st.UpdateWidgetConfig(ctx, id, json.RawMessage(`{"text":"two"}`)); err != nil {
		t.Fatal(err)
	}
	next(t, sub, func(u Update) bool { return u.Kind == KindLayout && u.WidgetID == id })
	u := next(t, sub, func(u Update) bool { return u.Kind == KindData && u.WidgetID == id })
	if got := decode(t, u.Data)["text"]; got != "two" {
		t.Fatalf("published data %s, want text two", u.Data)
	}
	if _, ok := h.e.cache.Get(oldKey); ok {
		t.Fatal("the old config's data is still cached")
	}
	d, err = h.e.Data(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if string(d.JSON) != string(u.Data) {
		t.Fatalf("Data %s differs from the published %s", d.JSON, u.Data)
	}
	// The other note on the hub was a candidate of the hubs.widget.update message (same
	// hub) and said no: its data is still current.
	eventually(t, "shouldInvalidate to run for both notes of the hub", func() bool {
		return value(h.e.metrics.JSCalls.WithLabelValues(fnInvalidate)) == 2
	})
	if h.e.lookup(otherID).generation() != otherGen {
		t.Fatal("the other note was invalidated by a config change that is not its own")
	}
	// One save, one rebuild: the engine's own hubs.widget.update, to which the note says
	// yes (counted as an invalidation), does not rebuild it a second time.
	eventually(t, "the note's yes to the hubs.widget.update", func() bool {
		return value(h.e.metrics.Invalidations) >= 1
	})
	in := h.e.lookup(id)
	eventually(t, "the rebuilds to finish", func() bool {
		in.mu.Lock()
		defer in.mu.Unlock()
		return !in.running && !in.queued
	})
	if n := rebuilds() - rebuilt; n != 1 {
		t.Fatalf("%v rebuilds for one config saved, want 1", n)
	}
}

// Widgets added and removed in the store join and leave the index without a restart.
func TestStoreAddRemove(t *testing.T) {
	h := newHarness(t, func(st *store.Store) { mustHub(t, st, "bob") })
	ctx := context.Background()
	sub := h.e.Subscribe("bob", 0)
	defer sub.Close()
	w, err := h.st.CreateWidget(ctx, "bob", store.NewWidget{Name: "activity", Column: store.ColumnRight, Config: map[string]any{"username": "bob"}}, -1)
	if err != nil {
		t.Fatal(err)
	}
	next(t, sub, func(u Update) bool { return u.Kind == KindLayout && u.WidgetID == w.ID })
	next(t, sub, func(u Update) bool { return u.Kind == KindData && u.WidgetID == w.ID })
	env := testMessage("bob", 1, nil)
	if err := h.e.Receive(ctx, env); err != nil {
		t.Fatal(err)
	}
	next(t, sub, func(u Update) bool {
		return u.Kind == KindData && u.WidgetID == w.ID && decode(t, u.Data)["last"] == env.MsgID
	})
	if err := h.st.DeleteWidget(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	next(t, sub, func(u Update) bool { return u.Kind == KindLayout && u.WidgetID == w.ID })
	eventually(t, "the instance to leave the index", func() bool {
		h.e.mu.RLock()
		defer h.e.mu.RUnlock()
		return len(h.e.index.candidates("test.ping", "test", []string{"bob"}, nil, "", nil)) == 0
	})
	if _, err := h.e.Data(ctx, w.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Data of a deleted widget: %v", err)
	}
}

// A rebuild that fails keeps the last good data serving, stale with the error; an
// instance with no good data gets the error.
func TestStaleWithError(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "carol", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "carol"}})
		mustHub(t, st, "dave", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "dave"}})
	})
	ctx := context.Background()
	id := ws[0].ID
	sub := h.e.Subscribe("carol", 0)
	defer sub.Close()
	good := testMessage("carol", 1, nil)
	if err := h.e.Receive(ctx, good); err != nil {
		t.Fatal(err)
	}
	next(t, sub, func(u Update) bool {
		return u.WidgetID == id && u.Kind == KindData && decode(t, u.Data)["last"] == good.MsgID
	})
	if err := h.e.Receive(ctx, testMessage("carol", 2, map[string]any{"boom": true})); err != nil {
		t.Fatal(err)
	}
	u := next(t, sub, func(u Update) bool { return u.WidgetID == id })
	if u.Kind != KindData || !u.Stale || !strings.Contains(u.Error, "boom") || u.Pos == "" {
		t.Fatalf("update after a failed rebuild: %+v", u)
	}
	if decode(t, u.Data)["last"] != good.MsgID {
		t.Fatalf("stale data %s, want the last good (%s)", u.Data, good.MsgID)
	}
	d, err := h.e.Data(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Stale || d.Err == nil || decode(t, d.JSON)["last"] != good.MsgID {
		t.Fatalf("Data after a failed rebuild: stale=%v err=%v data=%s", d.Stale, d.Err, d.JSON)
	}

	// dave's first build fails: nothing good to serve.
	daveWs, err := h.st.ListWidgets(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.ArchiveMessage(ctx, archived(testMessage("dave", 1, map[string]any{"boom": true}))); err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.Data(ctx, daveWs[0].ID); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Data with no good data and a failing build: %v", err)
	}
}

// Close returns with several workers idle (each waiting for work must be woken).
func TestCloseWithIdleWorkers(t *testing.T) {
	h := newHarness(t, nil, WithWorkers(8))
	done := make(chan struct{})
	go func() {
		h.e.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return: idle workers were not woken")
	}
}

// With WithLazyUnwatched, a message for a hub nobody watches rebuilds nothing, and the next
// Data call builds data that reflects it; a watched hub is rebuilt and published as usual.
func TestLazyUnwatched(t *testing.T) {
	var alice, bob []store.Widget
	h := newHarness(t, func(st *store.Store) {
		alice = mustHub(t, st, "alice", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "alice"}})
		bob = mustHub(t, st, "bob", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "bob"}})
	}, WithLazyUnwatched(true))
	ctx := context.Background()
	for _, id := range []int64{alice[0].ID, bob[0].ID} {
		if _, err := h.e.Data(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	sub := h.e.Subscribe("bob", 0)
	defer sub.Close()
	builds := value(h.e.metrics.Rebuilds.WithLabelValues(ResultOK))
	ma, mb := testMessage("alice", 1, nil), testMessage("bob", 1, nil)
	for _, m := range []*fedmsg.Envelope{ma, mb} {
		if err := h.e.Receive(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	next(t, sub, func(u Update) bool { return u.WidgetID == bob[0].ID && decode(t, u.Data)["last"] == mb.MsgID })
	if n := value(h.e.metrics.Rebuilds.WithLabelValues(ResultOK)) - builds; n != 1 {
		t.Fatalf("%v rebuilds, want 1 (bob's, watched)", n)
	}
	d, err := h.e.Data(ctx, alice[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if decode(t, d.JSON)["last"] != ma.MsgID {
		t.Fatalf("alice's data after her message: %s", d.JSON)
	}
}

// Watch, called as a page renders, makes its hub watched before the page's stream connects:
// a message in between is rebuilt (even with WithLazyUnwatched) and kept, and a stream that
// resumes after Watch's id gets it.
func TestWatchBeforeSubscribe(t *testing.T) {
	var alice []store.Widget
	h := newHarness(t, func(st *store.Store) {
		alice = mustHub(t, st, "alice", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "alice"}})
	}, WithLazyUnwatched(true))
	ctx := context.Background()
	since := h.e.Watch("alice")
	if _, err := h.e.Data(ctx, alice[0].ID); err != nil { // the page's data, after Watch
		t.Fatal(err)
	}
	m := testMessage("alice", 1, nil)
	if err := h.e.Receive(ctx, m); err != nil {
		t.Fatal(err)
	}
	sub := h.e.Subscribe("alice", since)
	defer sub.Close()
	next(t, sub, func(u Update) bool {
		if u.Kind == KindReload {
			t.Fatal("a stream resuming from Watch's id was told to reload")
		}
		return u.WidgetID == alice[0].ID && decode(t, u.Data)["last"] == m.MsgID
	})
}

// Data of an instance the start-up indexing has not reached yet indexes it first, so that
// the data it caches is invalidated like any other.
func TestDataIndexesFirst(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	ws := mustHub(t, st, "frank", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "frank"}})
	rt, err := runtime.New(runtime.WithHelpers(helpersJS(t)), runtime.WithHost(Host{Store: st}))
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.LoadDir(ctx, "testdata/widgets"); err != nil {
		t.Fatal(err)
	}
	e, err := New(st, rt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	// Loaded but not started: nothing is indexed, as just after Start on a big site.
	all, err := e.loadInstances(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("loaded %d instances: %v", len(all), err)
	}
	if e.index.len() != 0 {
		t.Fatal("loading indexed already")
	}
	if _, err := e.Data(ctx, ws[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := e.index.candidates("test.ping", "test", []string{"frank"}, nil, "", nil); len(got) != 1 {
		t.Fatalf("after Data, frank's widget is not a candidate for his messages: %v", got)
	}
}

// Closing the engine while a build is in flight (a page load that started just before
// shutdown) neither races nor panics: the build finishes without the cache.
func TestCloseDuringBuild(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "gina", store.NewWidget{Name: "slow", Column: store.ColumnLeft})
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.e.Data(ctx, ws[0].ID)
		done <- err
	}()
	eventually(t, "the build to start", func() bool {
		return value(h.e.metrics.CacheMisses) == 1
	})
	h.e.Close()
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Data did not return after Close")
	}
	if _, ok := h.e.cache.Get("anything"); ok {
		t.Fatal("closed cache hit")
	}
}

// Handle takes envelopes as received (Body set) and made in Go (no Body) alike; one whose
// usernames are not known yet gets them from the extractor.
func TestHandleEnvelopes(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "hank", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "hank"}})
	})
	ctx := context.Background()
	sub := h.e.Subscribe("hank", 0)
	defer sub.Close()
	cases := []struct {
		name string
		edit func(env *fedmsg.Envelope)
	}{
		{"received", func(env *fedmsg.Envelope) {}},
		{"made in Go", func(env *fedmsg.Envelope) { env.Body = nil }},
		// The default extractor finds msg.user (no Meta configured here).
		{"usernames unknown", func(env *fedmsg.Envelope) { env.Usernames = nil }},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := testMessage("hank", i+1, nil)
			if _, err := h.st.ArchiveMessage(ctx, archived(env)); err != nil {
				t.Fatal(err)
			}
			c.edit(env)
			if err := h.e.Handle(ctx, env); err != nil {
				t.Fatal(err)
			}
			next(t, sub, func(u Update) bool {
				return u.WidgetID == ws[0].ID && u.Kind == KindData && decode(t, u.Data)["last"] == env.MsgID
			})
		})
	}
}

// A widget that fetches is rebuilt on workers (and JS runtimes) of its own: with every one
// of them waiting on a slow upstream, a widget that reads the archive is still rebuilt and
// published at once, and no more fetching rebuilds run at once than there are fetch
// workers. One worker and one runtime for the others: before the split, the first
// fetching rebuild held them until the upstream answered.
func TestFetchingWidgetsApart(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	inFlight, most, asked := 0, 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight, asked = inFlight+1, asked+1
		most = max(most, inFlight)
		mu.Unlock()
		defer func() {
			mu.Lock()
			inFlight--
			mu.Unlock()
		}()
		select {
		case <-r.Context().Done():
		case <-release:
		}
		w.Write([]byte("answer for " + strings.TrimPrefix(r.URL.Path, "/")))
	}))
	defer srv.Close()
	var ws []store.Widget
	h := newFetchHarness(t, srv.URL, 2, func(st *store.Store) {
		up := store.NewWidget{Name: "upstream", Column: store.ColumnLeft, Config: map[string]any{"username": "alice"}}
		ws = mustHub(t, st, "alice", up, up, up,
			store.NewWidget{Name: "activity", Column: store.ColumnRight, Config: map[string]any{"username": "bob"}})
	})
	releaseAll := sync.OnceFunc(func() { close(release) })
	defer releaseAll()
	ctx := context.Background()
	sub := h.e.Subscribe("alice", 0)
	defer sub.Close()

	// Three fetching rebuilds: two wait on the upstream, the third in the fetch queue.
	if err := h.e.Handle(ctx, testMessage("alice", 1, nil)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "two fetches waiting on the upstream", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return inFlight == 2
	})
	eventually(t, "the third fetching rebuild queued", func() bool {
		return value(h.e.metrics.Queued.WithLabelValues(queueFetch)) == 1
	})
	if n := value(h.e.metrics.Queued.WithLabelValues(queueLocal)); n != 0 {
		t.Errorf("%v rebuilds queued on the local queue, want 0", n)
	}
	bob := testMessage("bob", 2, nil)
	if _, err := h.st.ArchiveMessage(ctx, archived(bob)); err != nil {
		t.Fatal(err)
	}
	if err := h.e.Handle(ctx, bob); err != nil {
		t.Fatal(err)
	}
	u := next(t, sub, func(u Update) bool { return u.Kind == KindData })
	if u.Widget != "activity" || decode(t, u.Data)["total"] != 1.0 {
		t.Fatalf("first update while the upstream hangs: %s %s %s, want activity's with bob's message", u.Kind, u.Widget, u.Data)
	}

	release <- struct{}{} // one answer: the queued third fetch takes its worker
	answered := map[int64]bool{}
	for len(answered) < 3 {
		u := next(t, sub, func(u Update) bool { return u.Kind == KindData && u.Widget == "upstream" })
		if got := decode(t, u.Data)["answer"]; got != "answer for alice" {
			t.Fatalf("upstream data %s", u.Data)
		}
		answered[u.WidgetID] = true
		if len(answered) == 1 {
			releaseAll() // and the rest
		}
	}
	for _, w := range ws[:3] {
		if !answered[w.ID] {
			t.Errorf("no update for upstream instance %d", w.ID)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if most != 2 || asked != 3 {
		t.Errorf("%d fetches at most at once, %d in all; want 2 (the fetch workers) and 3", most, asked)
	}
}

// A widget found to fetch only when its data() first calls ctx.fetch: that first rebuild
// holds a local worker while it waits (nothing said it would fetch), but its instances
// already queued behind it go over to the fetch workers when their turn comes, so the
// local worker is free again for the widgets that read the archive.
func TestFetchingFoundOnTheWay(t *testing.T) {
	answer := make(chan struct{})
	arrived := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- r.URL.Path
		select {
		case <-r.Context().Done():
		case <-answer:
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	h := newFetchHarness(t, srv.URL, 1, func(st *store.Store) {
		side := store.NewWidget{Name: "sidelong", Column: store.ColumnLeft, Config: map[string]any{"username": "alice"}}
		mustHub(t, st, "alice", side, side,
			store.NewWidget{Name: "activity", Column: store.ColumnRight, Config: map[string]any{"username": "bob"}})
	})
	answerAll := sync.OnceFunc(func() { close(answer) })
	defer answerAll()
	if w, _ := h.rt.Widget("sidelong"); w.Fetches() {
		t.Fatal("sidelong known to fetch before any call: the test needs it found on the way")
	}
	ctx := context.Background()
	sub := h.e.Subscribe("alice", 0)
	defer sub.Close()
	waitArrival := func(what string) {
		t.Helper()
		select {
		case <-arrived:
		case <-time.After(20 * time.Second):
			t.Fatalf("timed out waiting for %s", what)
		}
	}

	// Both instances queue on the local queue; the first holds the local worker.
	if err := h.e.Handle(ctx, testMessage("alice", 1, nil)); err != nil {
		t.Fatal(err)
	}
	waitArrival("the first sidelong fetch")
	answer <- struct{}{}
	u := next(t, sub, func(u Update) bool { return u.Kind == KindData })
	if u.Widget != "sidelong" {
		t.Fatalf("first update %s %s", u.Widget, u.Data)
	}
	// The second, popped by the local worker, goes over to the fetch worker and hangs there.
	waitArrival("the second sidelong fetch")
	bob := testMessage("bob", 2, nil)
	if _, err := h.st.ArchiveMessage(ctx, archived(bob)); err != nil {
		t.Fatal(err)
	}
	if err := h.e.Handle(ctx, bob); err != nil {
		t.Fatal(err)
	}
	u = next(t, sub, func(u Update) bool { return u.Kind == KindData })
	if u.Widget != "activity" {
		t.Fatalf("update while the second fetch hangs: %s %s, want activity's", u.Widget, u.Data)
	}
	answerAll()
	if u := next(t, sub, func(u Update) bool { return u.Kind == KindData }); u.Widget != "sidelong" {
		t.Fatalf("last update %s %s, want the second sidelong", u.Widget, u.Data)
	}
}
