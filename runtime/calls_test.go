package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// archiveHost serves ctx.messages and ctx.user from real fixture envelopes
// and records the queries it was asked, to check how grep's arguments reach
// the store. (The store's own grep semantics are tested in store/.)
type archiveHost struct {
	mu       sync.Mutex
	queries  []GrepQuery
	steps    []time.Duration
	messages []json.RawMessage
}

func (h *archiveHost) GrepMessages(ctx context.Context, q GrepQuery) (GrepResult, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queries = append(h.queries, q)
	if len(q.Topics) > 0 && q.Topics[0] == "fail" {
		return GrepResult{}, errors.New("archive unavailable")
	}
	return GrepResult{Messages: h.messages, Total: 41, Pages: 3}, nil
}

func (h *archiveHost) CountMessages(ctx context.Context, q GrepQuery) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queries = append(h.queries, q)
	return 41, nil
}

// HistogramMessages answers with two buckets whose counts say which query
// arrived: the real counting is tested in store/.
func (h *archiveHost) HistogramMessages(ctx context.Context, q GrepQuery, step time.Duration) ([]HistogramBucket, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queries = append(h.queries, q)
	h.steps = append(h.steps, step)
	return []HistogramBucket{
		{Start: q.Start, Total: 3, Categories: map[string]int{"bodhi": 2, "koji": 1}},
		{Start: q.Start.Add(step), Total: 0},
	}, nil
}

func (h *archiveHost) User(ctx context.Context, name string) (map[string]any, error) {
	if name == "ralph" {
		return map[string]any{"username": "ralph", "fullname": "Ralph Bean"}, nil
	}
	return nil, nil
}

const hostWidget = `
export default {
  title: "Host",
  params: { tag: { type: "string", default: "x" } },
  async data(ctx, config) {
    const [page, count, ralph, nobody] = await Promise.all([
      ctx.messages.grep({ topics: "bodhi.update.comment", usernames: ["ralph", "lmacken"], packages: ["kernel"],
        categories: ["bodhi"], contains: ["fix"], start: 1559000000, end: new Date(Date.UTC(2019, 5, 1)), rows: 5, page: 2, order: "asc" }),
      ctx.messages.count({ categories: ["bodhi"] }),
      ctx.user("ralph"),
      ctx.user("nobody"),
    ]);
    ctx.log.info("built", { n: page.count });
    let refused = "";
    try { await ctx.messages.grep({ topics: ["fail"] }); } catch (e) { refused = e.message; }
    let badQuery = "";
    try { await ctx.messages.grep({ topicz: ["x"] }); } catch (e) { badQuery = e.message; }
    return {
      first: page.raw_messages[0].topic, count: page.count, total: page.total, pages: page.pages, n: count,
      ralph: ralph.fullname, nobody, now: ctx.now().toISOString(), hub: ctx.hub, settings: ctx.settings,
      widget: ctx.widget, refused, badQuery,
    };
  },
  template(d, h) { return h.html` + "`<p>${d.count}</p>`" + `; },
};
`

func TestDataHostAPI(t *testing.T) {
	host := &archiveHost{messages: []json.RawMessage{fixtureMessage(t, ".bodhi.update.comment")}}
	var logs bytes.Buffer
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := loadWidgets(t, map[string]string{"host.js": hostWidget}, WithHost(host),
		WithSettings(map[string]string{"bodhi_url": "https://bodhi.fedoraproject.org"}),
		WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))), WithClock(func() time.Time { return clock }))
	hub := Hub{Name: "infra", Summary: "The infra team", Owners: []string{"nirik"}, Members: []string{"ralph"}, DaysIdle: 3}
	out, err := r.Data(context.Background(), Instance{ID: 7, Name: "host", Hub: "infra"}, hub)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"first": "org.fedoraproject.prod.bodhi.update.comment", "count": 1.0, "total": 41.0, "pages": 3.0, "n": 41.0,
		"ralph": "Ralph Bean", "nobody": nil, "now": "2026-01-02T03:04:05.000Z",
		"hub": map[string]any{"name": "infra", "summary": "The infra team", "user_hub": false, "archived": false,
			"owners": []any{"nirik"}, "members": []any{"ralph"}, "subscribers": nil, "stargazers": nil, "days_idle": 3.0},
		"settings": map[string]any{"bodhi_url": "https://bodhi.fedoraproject.org"},
		"widget":   map[string]any{"id": 7.0, "name": "host", "hub": "infra"},
		"refused":  "ctx.messages.grep: archive unavailable",
		"badQuery": `ctx.messages.grep: unknown query field "topicz"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("data:\n got %v\nwant %v", got, want)
	}
	q := host.queries[0]
	if q.Rows == 0 { // Promise.all order: grep was called first
		q = host.queries[1]
	}
	wantQ := GrepQuery{Topics: []string{"bodhi.update.comment"}, Categories: []string{"bodhi"}, Usernames: []string{"ralph", "lmacken"},
		Packages: []string{"kernel"}, Contains: []string{"fix"}, Start: time.Unix(1559000000, 0).UTC(),
		End: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC), Rows: 5, Page: 2, Order: "asc"}
	if !reflect.DeepEqual(q, wantQ) {
		t.Errorf("query:\n got %+v\nwant %+v", q, wantQ)
	}
	if !strings.Contains(logs.String(), `"msg":"built"`) || !strings.Contains(logs.String(), `"widget":"host"`) || !strings.Contains(logs.String(), `"js.n":1`) {
		t.Errorf("log: %s", logs.String())
	}
}

const histogramWidget = `
export default {
  title: "Histogram",
  async data(ctx, config) {
    const refusals = [];
    for (const q of [
      { usernames: ["ralph"], start: 1000, end: 1100 },
      { usernames: ["ralph"], end: 1100, step: 60 },
      { start: 1000, end: 1100, step: 0.5 },
      { start: 1000, end: 1100, step: 60, rows: 5 },
      { start: 1000, end: 1100, step: 60, topicz: "x" },
    ]) {
      try { await ctx.messages.histogram(q); refusals.push("accepted"); } catch (e) { refusals.push(e.message); }
    }
    const h = await ctx.messages.histogram({ usernames: "ralph", categories: ["bodhi", "koji"], start: 1000, end: 1100, step: 60 });
    return { h, refusals };
  },
  template(d, h) { return h.html` + "`<p>${d.h.total}</p>`" + `; },
};
`

// TestDataHistogram: ctx.messages.histogram passes its filters, interval and step to the
// host, answers {start, end, step, total, buckets} in epoch seconds (the last interval cut
// at end), and refuses what a histogram cannot mean.
func TestDataHistogram(t *testing.T) {
	host := &archiveHost{}
	r := loadWidgets(t, map[string]string{"histogram.js": histogramWidget}, WithHost(host))
	out, err := r.Data(context.Background(), Instance{ID: 1, Name: "histogram", Hub: "h"}, Hub{Name: "h"})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"h": map[string]any{"start": 1000.0, "end": 1100.0, "step": 60.0, "total": 3.0, "buckets": []any{
			map[string]any{"start": 1000.0, "end": 1060.0, "total": 3.0, "categories": map[string]any{"bodhi": 2.0, "koji": 1.0}},
			map[string]any{"start": 1060.0, "end": 1100.0, "total": 0.0, "categories": map[string]any{}},
		}},
		"refusals": []any{
			"ctx.messages.histogram: step must be a number of seconds, at least 1",
			"ctx.messages.histogram: start and end are required",
			"ctx.messages.histogram: step must be a number of seconds, at least 1",
			"ctx.messages.histogram: rows means nothing to a histogram",
			`ctx.messages.histogram: unknown query field "topicz"`,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("data:\n got %v\nwant %v", got, want)
	}
	if len(host.queries) != 1 || len(host.steps) != 1 {
		t.Fatalf("host asked %d times, want once", len(host.queries))
	}
	wantQ := GrepQuery{Usernames: []string{"ralph"}, Categories: []string{"bodhi", "koji"},
		Start: time.Unix(1000, 0).UTC(), End: time.Unix(1100, 0).UTC()}
	if !reflect.DeepEqual(host.queries[0], wantQ) || host.steps[0] != time.Minute {
		t.Errorf("query %+v step %v, want %+v step 1m", host.queries[0], host.steps[0], wantQ)
	}
}

// TestManyConcurrentRenders: 1,000 renders at once over the pool, each must
// get its own data back (run with -race).
func TestManyConcurrentRenders(t *testing.T) {
	r := loadedRuntime(t)
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for i := range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst := Instance{ID: int64(i % 50), Name: "badges", Hub: fmt.Sprint("hub", i%50), Config: []byte(fmt.Sprintf(`{"username":"u%d","limit":2}`, i))}
			data := []byte(fmt.Sprintf(`{"badges":[{"name":"b%d","user":"u%d"}]}`, i, i))
			html, err := r.Template(context.Background(), inst, data)
			if err != nil {
				errs <- err
				return
			}
			if want := fmt.Sprintf(`<ul class="badges"><li><a href="">b%d</a> for u%d</li></ul>`, i, i); html != want {
				errs <- fmt.Errorf("render %d: %s", i, html)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestAsyncData(t *testing.T) {
	r := loadWidgets(t, map[string]string{"a.js": `
const sleep = (v) => new Promise((resolve) => Promise.resolve().then(() => resolve(v)));
export default {
  title: "Async",
  async data(ctx, config) {
    const parts = await Promise.all([sleep(1), sleep(2), (async () => { await null; return 3; })()]);
    const more = await Promise.allSettled([Promise.reject(new Error("no")), sleep(4)]);
    return { sum: parts.reduce((a, b) => a + b, 0), settled: more.map((s) => s.status) };
  },
  template(d, h) { return h.html` + "`<p>${d.sum}</p>`" + `; },
};`})
	out, err := r.Data(context.Background(), Instance{ID: 1, Name: "a"}, Hub{})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"sum":6,"settled":["rejected","fulfilled"]}` {
		t.Errorf("data = %s", out)
	}
}

func TestValidate(t *testing.T) {
	r := loadWidgets(t, map[string]string{"v.js": `
export default {
  title: "V",
  params: {
    username: { type: "username", required: true },
    limit: { type: "integer", default: 10, min: 1, max: 50 },
    link: { type: "link" },
    show: { type: "boolean" },
    color: { type: "choice", choices: ["red", "blue"], default: "red" },
    note: { type: "text", validate: (v) => v.includes("spam") ? "no spam, please" : null },
    title: { type: "string" },
  },
  data() { return {}; },
  template(d, h) { return h.html` + "`<p></p>`" + `; },
};`})
	ctx := context.Background()
	cases := []struct {
		name   string
		config map[string]any
		norm   map[string]any
		errs   map[string]string
	}{
		{"defaults", map[string]any{"username": "ralph"},
			map[string]any{"username": "ralph", "limit": int64(10), "show": false, "color": "red"}, map[string]string{}},
		{"form strings", map[string]any{"username": " ralph ", "limit": "12", "show": "on", "color": "blue", "link": "https://x.org/a", "note": "hi\nthere"},
			map[string]any{"username": "ralph", "limit": int64(12), "show": true, "color": "blue", "link": "https://x.org/a", "note": "hi\nthere"}, map[string]string{}},
		{"json numbers", map[string]any{"username": "ralph", "limit": 3.0},
			map[string]any{"username": "ralph", "limit": int64(3), "show": false, "color": "red"}, map[string]string{}},
		{"every error", map[string]any{"limit": 99, "link": "javascript:alert(1)", "show": "maybe", "color": "green", "note": "buy spam", "title": "a\nb", "extra": 1},
			map[string]any{}, map[string]string{"username": "is required", "limit": "must be at most 50", "link": "must be an http or https URL",
				"show": "must be true or false", "color": "must be one of red, blue", "note": "no spam, please", "title": "must be a single line", "extra": "unknown parameter"}},
		{"bad username and fraction", map[string]any{"username": "Not A User", "limit": 2.5},
			map[string]any{"show": false, "color": "red"}, map[string]string{"username": "is not a valid username", "limit": "must be a whole number"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			norm, errs, err := r.Validate(ctx, "v", c.config)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(errs, c.errs) {
				t.Errorf("errors:\n got %v\nwant %v", errs, c.errs)
			}
			if len(c.errs) == 0 || c.name == "bad username and fraction" {
				if !reflect.DeepEqual(norm, c.norm) {
					t.Errorf("normalized:\n got %#v\nwant %#v", norm, c.norm)
				}
			}
		})
	}
	if _, _, err := r.Validate(ctx, "nope", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown widget: %v", err)
	}
}

func TestHints(t *testing.T) {
	r := loadedRuntime(t)
	h, err := r.Hints(context.Background(), Instance{ID: 1, Name: "badges", Config: []byte(`{"username":"ralph"}`)})
	if err != nil {
		t.Fatal(err)
	}
	want := Hints{Topics: []string{"fedbadges.badge.award"}, Usernames: []string{"ralph"}}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("hints = %+v", h)
	}
	h, err = r.Hints(context.Background(), Instance{ID: 2, Name: "workflow.pending"})
	if err != nil || !reflect.DeepEqual(h, Hints{Categories: []string{"pkgdb"}}) {
		t.Errorf("hints = %+v, %v", h, err)
	}
}

// TestMessageUsernames: hints.messageUsernames runs on the batch's one view of the
// message, its answer must be an array of strings (the message's own array too, a
// read-only view), a throw is an *Error naming the widget, and a widget without it says so
// (ok false); the batch's shouldInvalidate calls still work after a failure.
func TestMessageUsernames(t *testing.T) {
	r := loadWidgets(t, map[string]string{
		"owner.js": widgetJS(`  hints: { topics: ["a.b"], usernames: (c) => [c.username],
    messageUsernames: (m) => [m.msg.owner] },
  shouldInvalidate(m, w) { return m.msg.owner === w.config.username; },`),
		"bad.js":    widgetJS(`  hints: { messageUsernames: (m) => m.msg.owner },`),
		"throws.js": widgetJS(`  hints: { messageUsernames: (m) => { throw new Error("nope"); } },`),
		"plain.js":  widgetJS(`  hints: { topics: ["a.b"] },`),
		"own.js":    widgetJS(`  hints: { messageUsernames: (m) => m.msg.people },`),
		"mixed.js":  widgetJS(`  hints: { messageUsernames: (m) => m.msg.mixed },`),
	})
	ctx := context.Background()
	b, err := r.Message(ctx, []byte(`{"topic":"org.fedoraproject.prod.a.b","msg":{"owner":"kalev","people":["bob","alice"],"mixed":["bob",1]}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	names, ok, err := b.MessageUsernames("owner")
	if err != nil || !ok || !reflect.DeepEqual(names, []string{"kalev"}) {
		t.Errorf("owner: %v %v %v, want [kalev] true nil", names, ok, err)
	}
	if _, ok, err := b.MessageUsernames("plain"); ok || err != nil {
		t.Errorf("plain: ok %v err %v, want false nil", ok, err)
	}
	if names, ok, err := b.MessageUsernames("own"); err != nil || !ok || !reflect.DeepEqual(names, []string{"bob", "alice"}) {
		t.Errorf("own: %v %v %v, want [bob alice] true nil", names, ok, err)
	}
	if _, _, err := b.MessageUsernames("mixed"); !errors.Is(err, ErrContract) {
		t.Errorf("mixed: %v, want a contract error", err)
	}
	if _, _, err := b.MessageUsernames("bad"); !errors.Is(err, ErrContract) || !strings.Contains(err.Error(), "must return an array of strings") {
		t.Errorf("bad: %v", err)
	}
	var we *Error
	if _, _, err := b.MessageUsernames("throws"); !errors.As(err, &we) || we.Widget != "throws" || !strings.Contains(err.Error(), "nope") {
		t.Errorf("throws: %v", err)
	}
	got, err := b.Invalidations([]Instance{
		{ID: 1, Name: "owner", Config: []byte(`{"username":"kalev"}`)},
		{ID: 2, Name: "owner", Config: []byte(`{"username":"ralph"}`)},
	}, nil)
	if err != nil || !reflect.DeepEqual(got, []bool{true, false}) {
		t.Errorf("invalidations after the failures = %v, %v", got, err)
	}
	h, err := r.Hints(ctx, Instance{ID: 1, Name: "owner", Config: []byte(`{"username":"kalev"}`)})
	if err != nil || !h.MessageUsernames || !reflect.DeepEqual(h.Usernames, []string{"kalev"}) {
		t.Errorf("hints = %+v, %v", h, err)
	}
}

// TestReload: a new version replaces the old, with a new content hash (also
// when only a lib changes); a broken one leaves the old in service.
func TestReload(t *testing.T) {
	dir := writeWidgets(t, map[string]string{
		"lib/word.js": `export const word = "one";` + "\n",
		"w.js":        `import { word } from "./lib/word.js";` + "\n" + widgetJS("  shouldInvalidate() { return word === 'two'; },"),
	})
	r := newTestRuntime(t)
	ctx := context.Background()
	if err := r.LoadDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	v1, _ := r.Widget("w")
	if deps := r.Dependents(filepath.Join(dir, "lib", "word.js")); !reflect.DeepEqual(deps, []string{"w"}) {
		t.Errorf("dependents of the lib = %v", deps)
	}
	invalidates := func() bool {
		out, err := r.Invalidations(ctx, []byte(`{}`), []Instance{{ID: 1, Name: "w"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out[0]
	}
	if invalidates() {
		t.Fatal("version 1 invalidated")
	}
	os.WriteFile(filepath.Join(dir, "lib", "word.js"), []byte(`export const word = "two";`+"\n"), 0o644)
	v2, err := r.Reload(ctx, "w")
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version == v1.Version {
		t.Error("a lib change did not change the version")
	}
	if !invalidates() {
		t.Error("the new version is not in service")
	}
	os.WriteFile(filepath.Join(dir, "w.js"), []byte("export default {\n  title: 'T',\n  data( {\n};\n"), 0o644)
	_, err = r.Reload(ctx, "w")
	var e *Error
	if !errors.As(err, &e) || e.Line != 4 || e.Col != 2 || !errors.Is(err, ErrCompile) {
		t.Errorf("reload error = %v", err)
	}
	if cur, _ := r.Widget("w"); cur.Version != v2.Version || !invalidates() {
		t.Error("the failed reload took the previous version out of service")
	}
	os.Remove(filepath.Join(dir, "w.js"))
	if _, err := r.Reload(ctx, "w"); !errors.Is(err, ErrNotFound) {
		t.Errorf("reload of a deleted file: %v", err)
	}
	if _, err := r.Widget("w"); !errors.Is(err, ErrNotFound) {
		t.Error("a deleted widget is still in service")
	}
}

// TestLogIsBounded: one ctx.log call cannot write megabytes or thousands of fields into the
// server's log.
func TestLogIsBounded(t *testing.T) {
	var logs bytes.Buffer
	r := loadWidgets(t, map[string]string{"chatty.js": `export default {
  title: "Chatty",
  hints: { topics: ["x.y"] },
  data(ctx, config) {
    const many = {};
    for (let i = 0; i < 100; i++) many["k" + i] = i;
    ctx.log.info("many", many);
    ctx.log.info("huge", { blob: "x".repeat(1 << 20) });
    return {};
  },
  template(d, h) { return h.html` + "`<p>x</p>`" + `; },
};
`}, WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	if _, err := r.Data(context.Background(), Instance{ID: 1, Name: "chatty"}, Hub{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 log lines, got %d", len(lines))
	}
	if n := strings.Count(lines[0], `"js.k`); n != 20 {
		t.Errorf("%d fields logged; want 20", n)
	}
	if len(lines[1]) > 2*maxLogLine {
		t.Errorf("a 1 MiB field made a %d-byte log line", len(lines[1]))
	}
}

// ctx.hub and ctx.widget are frozen and, being the same JSON, the same values from one call
// to the next in a vm; another hub or instance gets its own; a changed hub a new one.
func TestCallValuesFrozenAndShared(t *testing.T) {
	r := loadWidgets(t, map[string]string{"lib/last.js": "export const seen = { hub: null, widget: null };\n", "c.js": `
import { seen } from "./lib/last.js";
export default {
  title: "C",
  data(ctx) {
    const tries = [];
    for (const f of [() => { ctx.hub.name = "x"; }, () => { ctx.widget.id = 0; }, () => { ctx.hub.extra = 1; }]) {
      try { f(); tries.push("changed"); } catch (e) { tries.push(e.constructor.name); }
    }
    const out = { tries, hub: seen.hub === ctx.hub, widget: seen.widget === ctx.widget, name: ctx.hub.name, summary: ctx.hub.summary };
    seen.hub = ctx.hub;
    seen.widget = ctx.widget;
    return out;
  },
  template() { return ""; },
};`}, WithPoolSize(1))
	tries := []any{"TypeError", "TypeError", "TypeError"}
	for i, c := range []struct {
		id          int64
		hub         Hub
		hubSame     bool
		widgetSame  bool
		wantSummary string
	}{
		{1, Hub{Name: "a", Summary: "one"}, false, false, "one"},
		{1, Hub{Name: "a", Summary: "one"}, true, true, "one"},   // the same call again
		{2, Hub{Name: "a", Summary: "one"}, true, false, "one"},  // another instance on the hub
		{2, Hub{Name: "a", Summary: "two"}, false, true, "two"},  // the hub changed
		{3, Hub{Name: "b", Summary: "two"}, false, false, "two"}, // another hub
	} {
		want := map[string]any{"tries": tries, "hub": c.hubSame, "widget": c.widgetSame, "name": c.hub.Name, "summary": c.wantSummary}
		if got := dataOn(t, r, Instance{ID: c.id, Name: "c", Hub: c.hub.Name}, c.hub); !reflect.DeepEqual(got, want) {
			t.Errorf("call %d:\n got %v\nwant %v", i, got, want)
		}
	}
}

// TestGrepMessagesReadOnlyAndShared: the messages ctx.messages.grep answers cannot be
// changed (every write, delete or definition throws in a widget's strict code), and the
// same message read again (by this instance or another) is the same value, made once; the
// array and the object around them are the caller's to change.
func TestGrepMessagesReadOnlyAndShared(t *testing.T) {
	host := &archiveHost{messages: []json.RawMessage{fixtureMessage(t, ".bodhi.update.comment"), json.RawMessage(`{"msg_id":"2026-x","topic":"t","msg":{"a":[1]}}`)}}
	r := loadWidgets(t, map[string]string{"lib/last.js": "export const seen = { message: null };\n", "g.js": `
import { seen } from "./lib/last.js";
export default {
  title: "G",
  async data(ctx) {
    const page = await ctx.messages.grep({ rows: 2 });
    const m = page.raw_messages[1];
    const intact = Object.getPrototypeOf(m) === Object.prototype && Object.getPrototypeOf(m.msg.a) === Array.prototype;
    const tries = [];
    for (const f of [
      () => { m.topic = "x"; }, () => { m.msg.a.push(2); }, () => { m.extra = 1; },
      () => { delete m.topic; }, () => { m.msg.a[0] = 5; }, () => { m.msg.a.length = 0; },
      () => { Object.defineProperty(m, "y", { value: 1 }); }, () => { Object.assign(m.msg, { b: 1 }); },
      () => { m.msg.a.sort(); }, () => { Object.freeze(m); },
      // Allowed (goja's dynamic objects take another prototype), but no other call sees it.
      () => { Object.setPrototypeOf(m.msg.a, { length: 9 }); Object.setPrototypeOf(m, { topic: "x", extra: 1 }); },
    ]) {
      try { f(); tries.push("changed"); } catch (e) { tries.push(e.constructor.name); }
    }
    page.raw_messages.push("mine");
    page.total = -1;
    const same = seen.message !== null && seen.message === page.raw_messages[0];
    seen.message = page.raw_messages[0];
    return { tries, intact, n: page.raw_messages.length, total: page.total, same, topic: m.topic, extra: m.extra, a: m.msg.a, sameMsg: m.msg === m.msg };
  },
  template() { return ""; },
};`}, WithHost(host), WithPoolSize(1))
	for call, wantSame := range []bool{false, true, true} { // instance 1, 1 again, then 2 (an import is shared)
		got := dataOf(t, r, Instance{ID: int64(1 + call/2), Name: "g"})
		tries := []any{"TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "TypeError", "changed"}
		want := map[string]any{"tries": tries, "intact": true, "n": 3.0, "total": -1.0, "same": wantSame, "topic": "t", "extra": 1.0, "a": []any{1.0}, "sameMsg": true}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("call %d:\n got %v\nwant %v", call, got, want)
		}
	}
}
