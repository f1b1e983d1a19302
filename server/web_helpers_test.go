package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"hubs/engine"
	"hubs/runtime"
	"hubs/server"
	"hubs/store"
	"hubs/store/storetest"
)

// testWidgets are the widgets of the designteam hub (and a broken one) that the e2e tests
// use too.
const testWidgets = "../e2e/testdata/widgets"

// stack is the whole server side on a fresh populated database: runtime, engine, server,
// listening on a loopback port.
type stack struct {
	t   testing.TB
	st  *store.Store
	rt  *runtime.Runtime
	eng *engine.Engine
	srv *server.Server
	url string
}

func newStack(t testing.TB, web server.WebConfig, opts ...engine.Option) *stack {
	t.Helper()
	ctx := context.Background()
	st := storetest.New(t)
	if err := st.Populate(ctx); err != nil {
		t.Fatal(err)
	}
	helpers, err := os.ReadFile("../static/h.js")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.New(runtime.WithHelpers(helpers), runtime.WithHost(engine.Host{Store: st}), runtime.WithPoolSize(2),
		runtime.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.LoadDir(ctx, testWidgets); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(st, rt, append([]engine.Option{engine.WithLogger(quiet())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	web.Engine = eng
	if web.StaticDir == "" {
		web.StaticDir = "../static"
	}
	srv := server.New(server.Config{Store: st, Logger: quiet(), Web: web})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &stack{t: t, st: st, rt: rt, eng: eng, srv: srv, url: "http://" + ln.Addr().String()}
}

// client is an HTTP client with its own cookies that does not follow redirects.
func (s *stack) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends one request and returns the response with its body read.
func (s *stack) do(c *http.Client, method, path string, body io.Reader, header map[string]string) (*http.Response, string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp, string(b)
}

func (s *stack) get(c *http.Client, path string) (*http.Response, string) {
	s.t.Helper()
	return s.do(c, http.MethodGet, path, nil, nil)
}

// signIn signs c in as user through /login/dev and returns the CSRF token of its pages.
func (s *stack) signIn(c *http.Client, user string) string {
	s.t.Helper()
	resp, _ := s.get(c, "/login/dev?user="+url.QueryEscape(user)+"&next=/designteam/")
	if resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("dev login as %s: %d", user, resp.StatusCode)
	}
	_, page := s.get(c, "/designteam/")
	return csrfOf(s.t, page)
}

func csrfOf(t testing.TB, page string) string {
	t.Helper()
	const marker = `<meta name="csrf-token" content="`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("no CSRF token in the page")
	}
	rest := page[i+len(marker):]
	return rest[:strings.IndexByte(rest, '"')]
}

// postForm posts form values (with the CSRF token when csrf is set).
func (s *stack) postForm(c *http.Client, path, csrf string, values url.Values) (*http.Response, string) {
	s.t.Helper()
	if values == nil {
		values = url.Values{}
	}
	if csrf != "" {
		values.Set("_csrf", csrf)
	}
	return s.do(c, http.MethodPost, path, strings.NewReader(values.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// widgetID returns the id of the first widget called name on hub.
func (s *stack) widgetID(hub, name string) int64 {
	s.t.Helper()
	ws, err := s.st.ListWidgets(context.Background(), hub)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, w := range ws {
		if w.Name == name {
			return w.ID
		}
	}
	s.t.Fatalf("hub %s has no widget %s", hub, name)
	return 0
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
