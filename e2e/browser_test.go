package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hubs/fedmsg"
)

const testWidgets = "testdata/widgets"

// bodiesJS maps each widget's name to the HTML of its body.
const bodiesJS = `Object.fromEntries(Array.from(document.querySelectorAll("section.widget"),
	(s) => [s.dataset.name, s.querySelector(".widget-body").innerHTML]))`

// publishWikiEdit sends a wiki edit through the real ZeroMQ publisher.
func publishWikiEdit(t *testing.T, w *webStack, msg map[string]any) {
	t.Helper()
	raw, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	env := &fedmsg.Envelope{Topic: "org.fedoraproject.prod.wiki.article.edit", Msg: raw, Timestamp: float64(now.UnixNano()) / 1e9,
		MsgID: fedmsg.NewMsgID(now), I: 1, Username: "apache"}
	if err := w.pub.Publish(env); err != nil {
		t.Fatal(err)
	}
}

// TestLiveUpdate: a page open on /designteam/ sees the widget a bus message invalidates
// change in place, without a page load, while the others stay as they were; the message's
// hostile fields show as text.
func TestLiveUpdate(t *testing.T) {
	needChromium(t)
	w := startWeb(t, testWidgets)
	tab := newBrowser(t)
	do(t, tab, "open the hub", chromedp.Navigate(w.url+"/designteam/"))
	waitJS(t, tab, "the event stream", `document.getElementById("hubs-conn").dataset.state === "live"`)
	evalJS[chromedp.Void](t, tab, `window.__marker = 42`)
	before := evalJS[map[string]string](t, tab, bodiesJS)
	if !strings.Contains(before["cobwebs"], "No wiki edits yet.") {
		t.Fatalf("cobwebs before: %s", before["cobwebs"])
	}

	publishWikiEdit(t, w, map[string]any{
		"user":  "duffy",
		"title": `<img src=x onerror="window.__xss=1">Design/Guidelines`,
		"url":   "javascript:window.__xss=2",
	})
	waitJS(t, tab, "the cobwebs widget to show the edit",
		`document.querySelector('section[data-name="cobwebs"] .who')?.textContent === "duffy"`)

	if m := evalJS[int](t, tab, `window.__marker ?? 0`); m != 42 {
		t.Fatalf("the page was loaded again (marker %d)", m)
	}
	after := evalJS[map[string]string](t, tab, bodiesJS)
	for name, html := range before {
		if name != "cobwebs" && after[name] != html {
			t.Errorf("widget %s changed:\n%s\n->\n%s", name, html, after[name])
		}
	}
	checks := map[string]string{
		"no script ran":                  `window.__xss === undefined`,
		"no element from the message":    `document.querySelector('section[data-name="cobwebs"] .widget-body img') === null`,
		"the payload is shown as text":   `document.querySelector('section[data-name="cobwebs"] .widget-body a').textContent.includes('<img src=x onerror="window.__xss=1">Design/Guidelines')`,
		"a javascript: link is defused":  `document.querySelector('section[data-name="cobwebs"] .widget-body a').getAttribute("href").startsWith("about:invalid")`,
		"the connection indicator shows": `document.getElementById("hubs-conn").hidden === false`,
	}
	for what, cond := range checks {
		if !evalJS[bool](t, tab, cond) {
			t.Errorf("%s: %s is false", what, cond)
		}
	}
}

// TestEditInOneTabSeeInAnother: an owner saves the sticky note in one tab; a second tab on
// the hub shows it without a page load, as text (the note holds markup).
func TestEditInOneTabSeeInAnother(t *testing.T) {
	needChromium(t)
	w := startWeb(t, testWidgets)
	sticky := widgetID(t, w, "designteam", "sticky")
	browser := newBrowser(t)
	viewer := newTab(t, browser)
	do(t, viewer, "open the hub", chromedp.Navigate(w.url+"/designteam/"))
	waitJS(t, viewer, "the event stream", `document.getElementById("hubs-conn").dataset.state === "live"`)
	evalJS[chromedp.Void](t, viewer, `window.__marker = 7`)

	editor := newTab(t, browser)
	do(t, editor, "sign in and open the form",
		chromedp.Navigate(fmt.Sprintf("%s/login/dev?user=duffy&next=/designteam/%d/edit", w.url, sticky)),
		chromedp.WaitVisible(chromedp.CSS("textarea#f-text")),
		chromedp.SetValue(chromedp.CSS("textarea#f-text"), "Hello from the **editor** <script>window.__xss2=1</script><b>bold?</b>"),
		chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#hub")),
	)
	waitJS(t, viewer, "the note to change in the other tab",
		`document.querySelector('section[data-name="sticky"] .widget-body strong')?.textContent === "editor"`)
	if m := evalJS[int](t, viewer, `window.__marker ?? 0`); m != 7 {
		t.Fatalf("the viewer's page was loaded again")
	}
	for what, cond := range map[string]string{
		"no script element": `document.querySelector('section[data-name="sticky"] .widget-body script, section[data-name="sticky"] .widget-body b') === null`,
		"no script ran":     `window.__xss2 === undefined`,
		"markup as text":    `document.querySelector('section[data-name="sticky"] .widget-body').textContent.includes("<script>window.__xss2=1</script><b>bold?</b>")`,
	} {
		if !evalJS[bool](t, viewer, cond) {
			t.Errorf("%s: %s is false", what, cond)
		}
	}
}

// TestNonOwnerForbidden: a member who is not an owner gets the 403 page for the form.
func TestNonOwnerForbidden(t *testing.T) {
	needChromium(t)
	w := startWeb(t, testWidgets)
	sticky := widgetID(t, w, "designteam", "sticky")
	tab := newBrowser(t)
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(fmt.Sprintf("%s/login/dev?user=gnokii&next=/designteam/%d/edit", w.url, sticky)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusForbidden {
		t.Fatalf("status %d, want 403", resp.Status)
	}
	if h1 := evalJS[string](t, tab, `document.querySelector("h1").textContent`); h1 != "403 · Forbidden" {
		t.Fatalf("page heading %q", h1)
	}
}

// TestWithoutJavaScript: with JavaScript off, every widget is on the page with its data.
func TestWithoutJavaScript(t *testing.T) {
	needChromium(t)
	w := startWeb(t, testWidgets)
	tab := newBrowser(t)
	do(t, tab, "open the hub without JavaScript", disableJS(), chromedp.Navigate(w.url+"/designteam/"))
	bodies := evalJS[map[string]string](t, tab, bodiesJS)
	want := map[string]string{
		"sticky": "makes Fedora look good", "rules": "Team rules", "meetings": "No meetings announced",
		"about": "Owners: duffy and ryanlerch", "cobwebs": "No wiki edits yet.", "stats": "Subscribers", "dummy": "Nothing to see here.",
	}
	if len(bodies) != len(want) {
		t.Errorf("%d widgets on the page, want %d", len(bodies), len(want))
	}
	for name, text := range want {
		if !strings.Contains(bodies[name], text) {
			t.Errorf("widget %s without JavaScript: %q lacks %q", name, bodies[name], text)
		}
	}
	if !evalJS[bool](t, tab, `window.hubs === undefined && document.getElementById("hubs-conn").hidden`) {
		t.Errorf("the client runtime ran although JavaScript is off")
	}
}

func widgetID(t *testing.T, w *webStack, hub, name string) int64 {
	t.Helper()
	ws, err := w.st.ListWidgets(context.Background(), hub)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ws {
		if x.Name == name {
			return x.ID
		}
	}
	t.Fatalf("hub %s has no widget %s", hub, name)
	return 0
}
