package widgets_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hubs/runtime"
	"hubs/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// clock is "now" for every widget call in these tests: the recorded meetings are after it.
var clock = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

// allWidgets are the fifteen widgets of the original Fedora Hubs.
var allWidgets = []string{
	"about", "avatar", "badges", "cobwebs", "dummy", "fedmsgs", "fedmsgstats", "feed", "meetings",
	"rules", "stats", "sticky", "subscriptions", "workflow.pendingacls", "workflow.updates2stable",
}

// upstreams answers like Fedora's badges, calendar, Bodhi and pkgdb services, from the
// responses recorded in testdata/upstream (each service's real JSON format). A name without a
// recorded file gets what the service says of an unknown one.
type upstreams struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []string // path?query of every request, in order
}

func newUpstreams(t testing.TB) *upstreams {
	t.Helper()
	u := &upstreams{}
	file := func(w http.ResponseWriter, name string, fallback string, fallbackStatus int) {
		b, err := os.ReadFile(filepath.Join("testdata", "upstream", name))
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(fallbackStatus)
			_, _ = w.Write([]byte(fallback))
			return
		}
		_, _ = w.Write(b)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /badges/user/{name}/json", func(w http.ResponseWriter, r *http.Request) {
		file(w, "badges_"+filepath.Base(r.PathValue("name"))+".json", `{"error": "No such user exists."}`, http.StatusNotFound)
	})
	mux.HandleFunc("GET /calendar/api/meetings/", func(w http.ResponseWriter, r *http.Request) {
		cal := r.URL.Query().Get("calendar")
		file(w, "fedocal_"+filepath.Base(cal)+".json", `{"meetings": [], "arguments": {"calendar": "`+cal+`"}}`, http.StatusOK)
	})
	mux.HandleFunc("GET /bodhi/updates/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("status") != "testing" {
			http.Error(w, `{"errors": [{"description": "want status=testing in this test"}]}`, http.StatusBadRequest)
			return
		}
		file(w, "bodhi_"+filepath.Base(r.URL.Query().Get("user"))+".json",
			`{"updates": [], "page": 1, "pages": 0, "rows_per_page": 100, "total": 0}`, http.StatusOK)
	})
	mux.HandleFunc("GET /pkgdb/api/pendingacls", func(w http.ResponseWriter, r *http.Request) {
		file(w, "pkgdb_"+filepath.Base(r.URL.Query().Get("username"))+".json",
			`{"output": "ok", "pending_acls": [], "total_requests_pending": 0}`, http.StatusOK)
	})
	mux.HandleFunc("/broken/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	})
	mux.HandleFunc("/slow/", func(w http.ResponseWriter, r *http.Request) {
		// Answers only when the client gives up (or the server closes).
		<-r.Context().Done()
	})
	mux.HandleFunc("/html/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>maintenance</body></html>"))
	})
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.requests = append(u.requests, r.URL.RequestURI())
		u.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// settings points every upstream at the local server, under prefix ("" for the recorded
// answers, "/broken", "/html" or "/slow" for failing ones), with a 300 ms timeout.
func (u *upstreams) settings(prefix string) map[string]string {
	base := u.srv.URL + prefix
	return map[string]string{
		"badges_url": base + "/badges", "fedocal_url": base + "/calendar", "bodhi_url": base + "/bodhi",
		"pkgdb_url": base + "/pkgdb", "packages_url": "https://apps.fedoraproject.org/packages",
		"upstream_timeout_ms": "300",
	}
}

func (u *upstreams) seen() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.requests)
}

// unreachable returns settings whose upstreams refuse connections: a server started and
// closed again, so nothing listens on its port.
func unreachable(t testing.TB) map[string]string {
	t.Helper()
	s := httptest.NewServer(http.NotFoundHandler())
	base := s.URL
	s.Close()
	return map[string]string{
		"badges_url": base + "/badges", "fedocal_url": base + "/calendar", "bodhi_url": base + "/bodhi",
		"pkgdb_url": base + "/pkgdb", "packages_url": "https://apps.fedoraproject.org/packages",
	}
}

// newRuntime loads this folder's widgets into a runtime whose fetches may reach the local
// test servers only, with settings as ctx.settings and host (may be nil) behind
// ctx.messages and ctx.user.
func newRuntime(t testing.TB, host runtime.Host, settings map[string]string, extra ...runtime.Option) *runtime.Runtime {
	t.Helper()
	helpers, err := os.ReadFile("../static/h.js")
	if err != nil {
		t.Fatalf("template helpers: %v", err)
	}
	opts := []runtime.Option{
		runtime.WithHelpers(helpers), runtime.WithSettings(settings), runtime.WithPoolSize(2),
		runtime.WithClock(func() time.Time { return clock }),
		runtime.WithFetch(runtime.FetchConfig{Allow: runtime.ParseAllowList("127.0.0.1")}),
	}
	if host != nil {
		opts = append(opts, runtime.WithHost(host))
	}
	rt, err := runtime.New(append(opts, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.LoadDir(context.Background(), "."); err != nil {
		t.Fatalf("load widgets: %v", err)
	}
	return rt
}

// busFixtures are the real bus messages every package shares (the repository's one copy of
// shared/fixtures/fedmsg).
const busFixtures = "../testdata/fedmsg/meta_examples.jsonl"

// fixture is one record of busFixtures (the shared real bus
// messages, /work/shared/fixtures/fedmsg): the envelope and what fedmsg.meta derived from it.
type fixture struct {
	Topic    string          `json:"topic"`
	Msg      json.RawMessage `json:"msg"`
	Expected struct {
		Usernames []string `json:"usernames"`
		Packages  []string `json:"packages"`
	} `json:"expected"`
}

func readFixtures(t testing.TB, name string) []fixture {
	t.Helper()
	path := name
	if !strings.Contains(name, "/") {
		path = filepath.Join("testdata", name)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []fixture
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var fx fixture
		if err := json.Unmarshal(sc.Bytes(), &fx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, fx)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fixtureOn returns the first real message whose topic ends with suffix.
func fixtureOn(t testing.TB, fixtures []fixture, suffix string) fixture {
	t.Helper()
	for _, fx := range fixtures {
		if len(fx.Topic) >= len(suffix) && fx.Topic[len(fx.Topic)-len(suffix):] == suffix {
			return fx
		}
	}
	t.Fatalf("no fixture message on %s", suffix)
	return fixture{}
}

// hubsMessage is an envelope shaped like the engine's own hubs.<what> messages
// (engine/changes.go: sendInternal): msg carries agent "hubs".
func hubsMessage(t testing.TB, what string, msg map[string]any) []byte {
	t.Helper()
	msg["agent"] = "hubs"
	b, err := json.Marshal(map[string]any{
		"topic": "org.fedoraproject.prod.hubs." + what, "msg": msg, "msg_id": "2026-hubs-" + what,
		"timestamp": float64(clock.Unix()), "username": "hubs", "source_name": "hubs", "i": 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func configJSON(t testing.TB, config map[string]any) json.RawMessage {
	t.Helper()
	if config == nil {
		return json.RawMessage(`{}`)
	}
	b, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
