package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fetchWidget fetches config.url with config.opts and reports what it got.
const fetchWidget = `
export default {
  title: "Fetcher",
  params: { url: { type: "string" }, opts: { type: "string", default: "{}" } },
  async data(ctx, config) {
    const res = await ctx.fetch(config.url, JSON.parse(config.opts));
    const ct = res.headers["content-type"] || "";
    const body = ct.startsWith("application/json") ? await res.json() : await res.text();
    return { status: res.status, ok: res.ok, body };
  },
  template(d, h) { return h.html` + "`<p>${d.status}</p>`" + `; },
};
`

func fetchData(t *testing.T, r *Runtime, url, opts string) (map[string]any, error) {
	t.Helper()
	cfg, _ := json.Marshal(map[string]string{"url": url, "opts": opts})
	out, err := r.Data(context.Background(), Instance{ID: 1, Name: "fetcher", Config: cfg}, Hub{})
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m, nil
}

func TestFetch(t *testing.T) {
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]string{"method": r.Method, "x": r.Header.Get("X-Test"), "body": string(body)})
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 3<<20)))
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	port := srv.Listener.Addr().(interface{ String() string }).String()
	port = port[strings.LastIndex(port, ":")+1:]

	r := loadWidgets(t, map[string]string{"fetcher.js": fetchWidget},
		WithFetch(FetchConfig{Allow: []string{"127.0.0.1", "localhost", "example.invalid"}, Timeout: time.Second, MaxBytes: 1 << 20}))
	// A second runtime allows "localhost" by name only: the name resolves to a
	// loopback address, which needs an explicit IP entry (the DNS-rebinding case).
	byName := loadWidgets(t, map[string]string{"fetcher.js": fetchWidget},
		WithFetch(FetchConfig{Allow: []string{"localhost"}}))

	t.Run("allowed", func(t *testing.T) {
		m, err := fetchData(t, r, srv.URL+"/json", `{"method":"POST","headers":{"X-Test":"yes"},"body":"hello"}`)
		if err != nil {
			t.Fatal(err)
		}
		body := m["body"].(map[string]any)
		if m["status"] != 200.0 || m["ok"] != true || body["method"] != "POST" || body["x"] != "yes" || body["body"] != "hello" {
			t.Errorf("got %v", m)
		}
	})
	cases := []struct {
		name string
		rt   *Runtime
		url  string
		want string
	}{
		{"host not on the allowlist", r, "http://127.0.0.2:" + port + "/json", "not on the fetch allowlist"},
		{"name resolving to loopback", byName, "http://localhost:" + port + "/json", "loopback, private or link-local"},
		{"literal private address", byName, "http://10.1.2.3/", "not on the fetch allowlist"},
		{"other scheme", r, "file:///etc/passwd", "only http and https"},
		{"timeout", r, srv.URL + "/slow", "timed out after 1s"},
		{"size cap", r, srv.URL + "/big", "larger than 1048576 bytes"},
		{"redirect off the allowlist", r, srv.URL + "/redirect?to=http://169.254.169.254/latest/meta-data", "not on the fetch allowlist"},
		// Network failures read as a short cause, without Go's "dial tcp ... on RESOLVER:53".
		{"name that does not resolve", r, "http://example.invalid/", "cannot resolve example.invalid"},
		{"nobody listening", r, "http://127.0.0.1:" + closedPort(t) + "/", "refused the connection"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := fetchData(t, c.rt, c.url, "{}")
			if err == nil {
				t.Fatal("fetch succeeded")
			}
			if !errors.Is(err, ErrThrown) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v; want a thrown error containing %q", err, c.want)
			}
			if strings.Contains(err.Error(), "dial tcp") {
				t.Errorf("error %v shows Go's dial details", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
	t.Run("per-call timeout option", func(t *testing.T) {
		_, err := fetchData(t, r, srv.URL+"/slow", `{"timeout":50}`)
		if err == nil || !strings.Contains(err.Error(), "timed out after 50ms") {
			t.Errorf("error %v", err)
		}
	})
}

func TestFetchAllowList(t *testing.T) {
	if _, err := newFetcher(FetchConfig{Allow: []string{"10.0.0.0/33"}}); err == nil {
		t.Error("bad CIDR accepted")
	}
	f, err := newFetcher(FetchConfig{Allow: ParseAllowList("pagure.io, *.fedoraproject.org 192.168.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{
		"https://pagure.io/x":                        true,
		"https://src.fedoraproject.org/rpms":         true,
		"https://fedoraproject.org.evil.com/":        false,
		"https://evilfedoraproject.org/":             false,
		"http://192.168.1.9/":                        true,
		"http://192.168.2.9/":                        false,
		"https://pagure.io.evil/":                    false,
		"ftp://pagure.io/":                           false,
		"https://user:pw@pagure.io/":                 true,
		fmt.Sprintf("http://[%s]/", "::ffff:7f00:1"): false,
	}
	for u, want := range cases {
		req, _ := http.NewRequest("GET", u, nil)
		if got := f.checkURL(req.URL) == nil; got != want {
			t.Errorf("%s allowed = %v; want %v", u, got, want)
		}
	}
	for addr, want := range map[string]bool{"8.8.8.8:443": true, "127.0.0.1:80": false, "169.254.169.254:80": false,
		"10.0.0.1:80": false, "192.168.1.5:80": true, "[::1]:80": false, "[fd00::1]:80": false, "100.64.0.1:80": false, "[::ffff:10.0.0.1]:80": false} {
		if got := f.checkDial("tcp", addr, nil) == nil; got != want {
			t.Errorf("dial %s allowed = %v; want %v", addr, got, want)
		}
	}
}

// closedPort returns a loopback port nothing listens on: one the kernel just
// gave a listener that is closed again.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	return port
}

// TestFetchesClassified: a widget whose bundle (its file or what it imports) names fetch
// is known to fetch from the start; a comment or a longer word does not count; one that
// reaches ctx.fetch another way is known after its first data() call that called it,
// whatever the fetch answered.
func TestFetchesClassified(t *testing.T) {
	r := loadWidgets(t, map[string]string{
		"lib/up.js":  "export function get(ctx, url) { return ctx.fetch(url); }\n",
		"direct.js":  "export async function load(ctx) { return ctx.fetch(\"http://127.0.0.1/\"); }\n" + widgetJS(""),
		"imports.js": "import { get } from \"./lib/up.js\";\nexport const more = (ctx) => get(ctx, \"x\");\n" + widgetJS(""),
		"plain.js":   "// never calls fetch: it reads the archive\nexport const prefetch = 1, fetched = 2;\n" + widgetJS(""),
		"hidden.js": `export default {
  title: "H",
  async data(ctx) {
    try { await ctx[["fe", "tch"].join("")]("http://10.9.9.9/"); } catch (e) { return { err: String(e.message) }; }
    return {};
  },
  template() { return ""; },
};`,
	})
	for name, want := range map[string]bool{"direct": true, "imports": true, "plain": false, "hidden": false} {
		w, err := r.Widget(name)
		if err != nil {
			t.Fatal(err)
		}
		if w.Fetches() != want {
			t.Errorf("%s: Fetches() = %v after loading, want %v", name, w.Fetches(), want)
		}
	}
	got := dataOf(t, r, Instance{ID: 1, Name: "hidden"})
	if !strings.Contains(fmt.Sprint(got["err"]), "not on the fetch allowlist") {
		t.Fatalf("hidden's fetch: %v", got)
	}
	if w, _ := r.Widget("hidden"); !w.Fetches() {
		t.Error("hidden: Fetches() false after a data() call that called ctx.fetch")
	}
	dataOf(t, r, Instance{ID: 1, Name: "plain"})
	if w, _ := r.Widget("plain"); w.Fetches() {
		t.Error("plain: Fetches() true after a data() call that did not fetch")
	}
}

// TestFetchPoolApart: data() calls of a widget that fetches wait on runtimes of their own,
// so with every one of them held by a slow upstream, a widget that does not fetch still
// runs (one runtime each here: before the split, it waited for the fetch to end).
func TestFetchPoolApart(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
		w.Write([]byte("late"))
	}))
	defer srv.Close()
	r := loadWidgets(t, map[string]string{"fetcher.js": fetchWidget, "plain.js": widgetJS("")},
		WithFetch(FetchConfig{Allow: []string{"127.0.0.1"}, Timeout: 30 * time.Second}),
		WithPoolSize(1), WithFetchPoolSize(1))

	slow := make(chan error, 1)
	go func() {
		_, err := fetchData(t, r, srv.URL+"/", "{}")
		slow <- err
	}()
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the fetch never reached the upstream")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.Data(ctx, Instance{ID: 2, Name: "plain"}, Hub{}); err != nil {
		t.Fatalf("plain widget while the fetch pool is held: %v", err)
	}
	// A second call of the fetching widget waits for the fetch pool's one runtime.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	_, err := r.Data(ctx2, Instance{ID: 3, Name: "fetcher", Config: []byte(`{"url":"` + srv.URL + `/","opts":"{}"}`)}, Hub{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "data of widget fetcher:") {
		t.Errorf("second fetch while the fetch pool is held: %v, want it to wait for a runtime (deadline exceeded)", err)
	}
	select {
	case <-arrived:
		t.Error("the second fetch reached the upstream: it had a runtime of its own")
	default:
	}
	close(release)
	if err := <-slow; err != nil {
		t.Errorf("slow fetch: %v", err)
	}
}

// A warm-up's data() (WarmUp) asks no upstream and writes no log line; the same call
// otherwise does both.
func TestWarmUpQuiet(t *testing.T) {
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		fmt.Fprint(w, "hello")
	}))
	defer srv.Close()
	var logs bytes.Buffer
	r := loadWidgets(t, map[string]string{"both.js": `export default {
  title: "Both",
  params: { url: { type: "string" } },
  async data(ctx, config) {
    ctx.log.info("building", { url: config.url });
    const res = await ctx.fetch(config.url);
    return { body: await res.text() };
  },
  template(d, h) { return h.html` + "`<p>${d.body}</p>`" + `; },
};
`}, WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))), WithFetch(FetchConfig{Allow: []string{"127.0.0.1"}}))
	cfg, _ := json.Marshal(map[string]string{"url": srv.URL})
	inst := Instance{ID: 1, Name: "both", Config: cfg}
	_, err := r.Data(WarmUp(context.Background()), inst, Hub{})
	if err == nil || !strings.Contains(err.Error(), "not in a warm-up") {
		t.Fatalf("warm-up: err %v, want ctx.fetch refused", err)
	}
	if asked.Load() != 0 || logs.Len() != 0 {
		t.Fatalf("warm-up: upstream asked %d times, log %q", asked.Load(), logs.String())
	}
	out, err := r.Data(context.Background(), inst, Hub{})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"body":"hello"}` || asked.Load() != 1 || !strings.Contains(logs.String(), "building") {
		t.Fatalf("real call: %s, upstream asked %d times, log %q", out, asked.Load(), logs.String())
	}
}
