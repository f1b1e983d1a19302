package e2e

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"hubs/engine"
	"hubs/store"
)

// copyWidgets copies the test widgets into a folder the test may edit.
func copyWidgets(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(testWidgets, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(testWidgets, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestCodeReload (development): a widget file saved with new code reaches the open page
// as a code event; the page imports the new version and re-renders the widget without a
// page load. Code that does not compile shows as an error on the widget while its old
// output stays.
func TestCodeReload(t *testing.T) {
	needChromium(t)
	dir := copyWidgets(t)
	w := startWebWith(t, dir, webOptions{strict: true, engine: []engine.Option{engine.WithDev(true), engine.WithDebounce(50 * time.Millisecond)}})
	tab := newBrowser(t)
	do(t, tab, "open the hub", chromedp.Navigate(w.url+"/designteam/"))
	waitJS(t, tab, "the event stream", `document.getElementById("hubs-conn").dataset.state === "live"`)
	evalJS[chromedp.Void](t, tab, `window.__marker = 9`)
	oldVersion := evalJS[string](t, tab, `document.querySelector('section[data-name="dummy"]').dataset.version`)

	file := filepath.Join(dir, "dummy.js")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), `<p class="dummy">${data.text}</p>`, `<p class="dummy">Reloaded: ${data.text}</p>`, 1)
	if edited == string(src) {
		t.Fatal("dummy.js is not what this test expects")
	}
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	waitJS(t, tab, "the new code's output",
		`document.querySelector('section[data-name="dummy"] .widget-body').textContent.includes("Reloaded: Nothing to see here.")`)
	if m := evalJS[int](t, tab, `window.__marker ?? 0`); m != 9 {
		t.Fatal("the page was loaded again")
	}
	if v := evalJS[string](t, tab, `document.querySelector('section[data-name="dummy"]').dataset.version`); v == oldVersion {
		t.Errorf("the widget still runs version %s", v)
	}

	if err := os.WriteFile(file, []byte(edited+"\nexport const broken = ;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitJS(t, tab, "the compile error on the widget",
		`document.querySelector('section[data-name="dummy"] .widget-status').textContent.includes("dummy.js")`)
	if !evalJS[bool](t, tab, `document.querySelector('section[data-name="dummy"] .widget-body').textContent.includes("Reloaded: Nothing to see here.")`) {
		t.Errorf("the widget's last output is gone after a compile error")
	}
}

// TestKeepsScrollAndFocus: a widget above the reader that grows does not move what the
// reader looks at, and a re-rendered widget keeps the focus of the link inside it.
func TestKeepsScrollAndFocus(t *testing.T) {
	needChromium(t)
	w := startWeb(t, testWidgets)
	tab := newBrowser(t)
	small := chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, emulation.SetDeviceMetricsOverride,
			emulation.SetDeviceMetricsOverrideParams{Width: 700, Height: 400, DeviceScaleFactor: 1})
		return err
	})
	do(t, tab, "open the hub in a small window", small, chromedp.Navigate(w.url+"/designteam/"))
	waitJS(t, tab, "the event stream", `document.getElementById("hubs-conn").dataset.state === "live"`)

	// Scroll until the cobwebs widget (the first one) is out of view above.
	evalJS[chromedp.Void](t, tab, `(() => {
		const c = document.querySelector('section[data-name="cobwebs"]');
		window.scrollTo(0, c.getBoundingClientRect().bottom + window.scrollY + 30);
	})()`)
	if !evalJS[bool](t, tab, `document.querySelector('section[data-name="cobwebs"]').getBoundingClientRect().bottom < 0`) {
		t.Fatal("the page is too short to scroll the first widget out of view")
	}
	before := evalJS[struct {
		Name string
		Top  float64
	}](t, tab, `(() => {
		const s = document.elementFromPoint(20, 20).closest("section.widget");
		return { name: s.dataset.name, top: s.getBoundingClientRect().top };
	})()`)
	heightBefore := evalJS[float64](t, tab, `document.querySelector('section[data-name="cobwebs"]').offsetHeight`)

	publishWikiEdit(t, w, map[string]any{"user": "duffy", "title": strings.Repeat("A long page title that wraps onto several lines. ", 12)})
	waitJS(t, tab, "the cobwebs widget to grow",
		`document.querySelector('section[data-name="cobwebs"]').offsetHeight > `+jsNumber(heightBefore)+` + 40`)
	after := evalJS[float64](t, tab, `document.querySelector('section[data-name="`+before.Name+`"]').getBoundingClientRect().top`)
	if d := after - before.Top; d > 1 || d < -1 {
		t.Errorf("widget %s moved by %.1f px on screen when a widget above it grew", before.Name, d)
	}

	// Focus the rules widget's first link, then change its config: after the re-render
	// the same link has the focus.
	evalJS[chromedp.Void](t, tab, `document.querySelector('section[data-name="rules"] .widget-body a').focus({ preventScroll: true })`)
	rules := widgetID(t, w, "designteam", "rules")
	cfg, _ := json.Marshal(map[string]string{"link": "https://fedoraproject.org/wiki/Design", "schedule_text": "Every Friday, focus kept"})
	if _, err := w.st.UpdateWidgetConfig(context.Background(), rules, cfg); err != nil {
		t.Fatal(err)
	}
	waitJS(t, tab, "the rules widget to change",
		`document.querySelector('section[data-name="rules"] .widget-body').textContent.includes("Every Friday, focus kept")`)
	if !evalJS[bool](t, tab, `(() => {
		const a = document.activeElement;
		return a.tagName === "A" && a.closest('section[data-name="rules"]') !== null && a.getAttribute("href") === "https://fedoraproject.org/wiki/Design";
	})()`) {
		t.Errorf("the focus left the re-rendered widget: %s", evalJS[string](t, tab, `document.activeElement.outerHTML`))
	}
}

func jsNumber(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

// TestLayoutAndReload: a widget added while the page is open appears without a page load
// (layout event); after a reload event (the page missed updates) the page fetches the
// hub's layout and every widget's data again and shows what it missed.
func TestLayoutAndReload(t *testing.T) {
	needChromium(t)
	w := startWeb(t, testWidgets)
	ctx := context.Background()
	tab := newBrowser(t)
	do(t, tab, "open the hub", chromedp.Navigate(w.url+"/designteam/"))
	waitJS(t, tab, "the event stream", `document.getElementById("hubs-conn").dataset.state === "live"`)
	evalJS[chromedp.Void](t, tab, `window.__marker = 5`)

	added, err := w.st.CreateWidget(ctx, "designteam", store.NewWidget{Name: "dummy", Column: store.ColumnRight}, 0)
	if err != nil {
		t.Fatal(err)
	}
	waitJS(t, tab, "the added widget", `document.querySelector('section.widget[data-idx="`+jsNumber(float64(added.ID))+`"] .dummy') !== null`)

	// Missed updates: the stream is stopped, something changes, then the server's reload
	// event arrives. First the data alone (the page refetches every widget's data), then
	// the layout (the page fetches itself again and swaps its widgets).
	evalJS[chromedp.Void](t, tab, `window.hubs.events.close()`)
	reload := func() {
		evalJS[chromedp.Void](t, tab, `window.hubs.events.dispatchEvent(new MessageEvent("reload", { data: "{}" }))`)
	}
	sticky := widgetID(t, w, "designteam", "sticky")
	if _, err := w.st.UpdateWidgetConfig(ctx, sticky, json.RawMessage(`{"text":"Missed while offline"}`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := w.eng.Data(ctx, sticky)
		if err == nil && strings.Contains(string(d.JSON), "Missed while offline") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the engine never rebuilt the note: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	evalJS[chromedp.Void](t, tab, `document.querySelector('section[data-name="about"]').dataset.probe = "same element"`)
	reload()
	waitJS(t, tab, "the missed note", `document.querySelector('section[data-name="sticky"] .widget-body').textContent.includes("Missed while offline")`)
	if !evalJS[bool](t, tab, `document.querySelector('section[data-name="about"]').dataset.probe === "same element"`) {
		t.Errorf("the widgets were replaced although the layout did not change")
	}

	if err := w.st.DeleteWidget(ctx, added.ID); err != nil {
		t.Fatal(err)
	}
	reload()
	waitJS(t, tab, "the removed widget gone", `document.querySelector('section.widget[data-idx="`+jsNumber(float64(added.ID))+`"]') === null`)
	if m := evalJS[int](t, tab, `window.__marker ?? 0`); m != 5 {
		t.Fatal("the page was loaded again")
	}
}
