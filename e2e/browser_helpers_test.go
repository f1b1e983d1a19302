package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"hubs/engine"
	"hubs/fedmsg"
	"hubs/runtime"
	"hubs/server"
	"hubs/store"
	"hubs/store/storetest"
)

// webStack is the whole of Hubs on a fresh populated database: a real ZeroMQ publisher,
// the fedmsg intake, the archive, the engine, and the HTTP server on a loopback port.
type webStack struct {
	st  *store.Store
	rt  *runtime.Runtime
	eng *engine.Engine
	pub *fedmsg.Publisher
	url string
}

// startWeb starts the stack with the widgets of folder; every widget must load.
func startWeb(t *testing.T, widgets string) *webStack {
	t.Helper()
	return startWebWith(t, widgets, webOptions{strict: true})
}

// webOptions adjust startWebWith.
type webOptions struct {
	strict  bool             // every widget must load
	runtime []runtime.Option // extra runtime options
	engine  []engine.Option  // extra engine options
}

// generousLimits replace the per-call time limits where a test compares results, not
// speed: on a loaded machine a 50 ms shouldInvalidate limit fails calls at random.
var generousLimits = runtime.Limits{Invalidate: 10 * time.Second, Template: 10 * time.Second, Load: 10 * time.Second}

// startWebWith starts the stack with the widgets of folder; unless o.strict, widgets that
// do not load are logged and left out.
func startWebWith(t *testing.T, widgets string, o webOptions) *webStack {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st := storetest.New(t)
	if err := st.Populate(ctx); err != nil {
		t.Fatal(err)
	}
	helpers, err := os.ReadFile("../static/h.js")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.New(append([]runtime.Option{runtime.WithHelpers(helpers), runtime.WithHost(engine.Host{Store: st}),
		runtime.WithPoolSize(2)}, o.runtime...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.LoadDir(ctx, widgets); err != nil {
		if o.strict {
			t.Fatalf("widgets of %s: %v", widgets, err)
		}
		t.Logf("widgets of %s that do not load are left out: %v", widgets, err)
	}
	eng, err := engine.New(st, rt, o.engine...)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)

	pub, err := fedmsg.NewPublisher(ctx, "tcp://127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	in, err := fedmsg.NewIntake([]string{pub.Endpoint()}, eng.Receive)
	if err != nil {
		t.Fatal(err)
	}
	intakeDone := make(chan struct{})
	go func() {
		defer close(intakeDone)
		in.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-intakeDone })
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := pub.WaitForSubscriber(wctx, ""); err != nil {
		t.Fatalf("intake never subscribed: %v", err)
	}

	srv := server.New(server.Config{Store: st, Web: server.WebConfig{Engine: eng, StaticDir: "../static", Dev: true}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-served
	})
	return &webStack{st: st, rt: rt, eng: eng, pub: pub, url: "http://" + ln.Addr().String()}
}

// needChromium finds Debian's chromium: missing, the test is skipped, except with CI=true
// where it fails.
func needChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium not found (Debian package chromium; `make deps` installs it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns a context for
// its first tab. It is stopped when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := needChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// newTab opens another tab in the browser of ctx (same cookies).
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	// The first run makes the tab and ties it to its context: it must not carry the
	// deadline of one step, which would close the tab when the step ends.
	if err := chromedp.Do(tctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return tctx
}

// do runs chromedp steps in the tab of ctx, with a deadline.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// evalJS evaluates a JavaScript expression in the tab of ctx (awaiting a promise) and
// decodes its value.
func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %.80s: %v", expr, err)
	}
	return v
}

// waitJS polls a JavaScript condition in the page until it is true.
func waitJS(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(cctx, chromedp.Evaluate[bool]("Boolean("+cond+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %s never held (%v)", what, cond, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// disableJS turns JavaScript off in the tab (for the pages loaded after it).
func disableJS() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
}
