package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"hubs/fedmsg"
	"hubs/runtime"
	"hubs/store"
	"hubs/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// harness is an engine on a fresh database and a runtime loaded from a copy of
// testdata/widgets (tests edit their copy).
type harness struct {
	t   *testing.T
	st  *store.Store
	rt  *runtime.Runtime
	e   *Engine
	dir string
}

func helpersJS(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../static/h.js")
	if err != nil {
		t.Fatalf("template helpers: %v", err)
	}
	return b
}

// copyTree copies the widget files of src into a new temporary folder.
func copyTree(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// newHarness starts an engine; setup runs on the store before the engine loads.
func newHarness(t *testing.T, setup func(st *store.Store), opts ...Option) *harness {
	t.Helper()
	return newHarnessRT(t, setup, nil, opts...)
}

// newHarnessRT is newHarness with more options for the runtime.
func newHarnessRT(t *testing.T, setup func(st *store.Store), rtOpts []runtime.Option, opts ...Option) *harness {
	t.Helper()
	ctx := context.Background()
	st := storetest.New(t)
	if setup != nil {
		setup(st)
	}
	dir := copyTree(t, "testdata/widgets")
	base := []runtime.Option{runtime.WithHelpers(helpersJS(t)), runtime.WithHost(Host{Store: st}), runtime.WithPoolSize(2)}
	rt, err := runtime.New(append(base, rtOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.LoadDir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	e, err := New(st, rt, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	waitReady(t, e)
	return &harness{t: t, st: st, rt: rt, e: e, dir: dir}
}

// newFetchHarness is a harness for the fetch queue's tests: one worker and one runtime for
// the widgets that do not fetch, fetchers of each for those that do, upstream as the site
// setting "upstream" (upstream.js, sidelong.js) and on the fetch allowlist.
func newFetchHarness(t *testing.T, upstream string, fetchers int, setup func(st *store.Store)) *harness {
	t.Helper()
	return newHarnessRT(t, setup, []runtime.Option{runtime.WithPoolSize(1), runtime.WithFetchPoolSize(fetchers),
		runtime.WithFetch(runtime.FetchConfig{Allow: []string{"127.0.0.1"}, Timeout: 30 * time.Second}),
		runtime.WithSettings(map[string]string{"upstream": upstream})},
		WithWorkers(1), WithFetchWorkers(fetchers))
}

// hub creates a user hub with widgets.
func mustHub(t testing.TB, st *store.Store, name string, widgets ...store.NewWidget) []store.Widget {
	t.Helper()
	ctx := context.Background()
	if _, err := st.CreateHub(ctx, store.Hub{Name: name, Summary: name, UserHub: true}, widgets, nil); err != nil {
		t.Fatal(err)
	}
	ws, err := st.ListWidgets(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func widgetNamed(t testing.TB, ws []store.Widget, name string) store.Widget {
	t.Helper()
	for _, w := range ws {
		if w.Name == name {
			return w
		}
	}
	t.Fatalf("no widget %s in %v", name, ws)
	return store.Widget{}
}

// testMessage is a bus message about user, with extra fields in msg.
func testMessage(user string, seq int, extra map[string]any) *fedmsg.Envelope {
	msg := map[string]any{"user": user, "seq": seq}
	for k, v := range extra {
		msg[k] = v
	}
	body, _ := json.Marshal(msg)
	env := &fedmsg.Envelope{
		Topic: "org.fedoraproject.prod.test.ping", Msg: body,
		MsgID:     fmt.Sprintf("2026-test-%s-%06d", user, seq),
		Timestamp: float64(1_700_000_000 + seq), I: int64(seq), Username: "test",
		Usernames: []string{user},
	}
	env.Body, _ = env.MarshalJSON()
	return env
}

// next waits for the next update of sub that matches keep, failing after 20s.
func next(t testing.TB, sub *Subscription, keep func(Update) bool) Update {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		u, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for an update on %s: %v", sub.Hub(), err)
		}
		if keep == nil || keep(u) {
			return u
		}
	}
}

// eventually waits for cond, failing with what after 20s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// value reads a counter or gauge.
func value(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		panic(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

// waitReady waits for the engine's start-up indexing.
func waitReady(t testing.TB, e *Engine) {
	t.Helper()
	select {
	case <-e.Ready():
	case <-time.After(5 * time.Minute):
		t.Fatal("the engine's hint index was not ready within 5 minutes")
	}
}
