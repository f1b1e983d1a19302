package e2e

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hubs/store"
)

// formWidgets is a folder with the test widgets, except that stats is the repository's
// widget and fedmsgstats (with the lib/ they import) is added: the two whose forms post to
// the hub API with an empty _csrf field for the page to fill.
func formWidgets(t *testing.T) string {
	t.Helper()
	dir := copyWidgets(t)
	for _, name := range []string{"stats.js", "fedmsgstats.js"} {
		copyFile(t, filepath.Join("../widgets", name), filepath.Join(dir, name))
	}
	err := filepath.WalkDir("../widgets/lib", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel("../widgets", p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		copyFile(t, p, filepath.Join(dir, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// statJS is the number a stats-like widget shows above label (singular or plural: the
// label follows the number), as a string expression ("" when there is none).
func statJS(widget, label string) string {
	return fmt.Sprintf(`(Array.from(document.querySelectorAll('section[data-name=%q] .stat'))
		.find((s) => [%[2]q, %[2]q + "s"].includes(s.querySelector(".stat-label")?.textContent))?.querySelector(".stat-value")?.textContent ?? "")`, widget, label)
}

func hasRole(t *testing.T, w *webStack, hub, user string, r store.Role) bool {
	t.Helper()
	roles, err := w.st.RolesOf(context.Background(), hub, user)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(roles, r)
}

// TestWidgetSubscribeButton: a signed-in member who is not an owner clicks the stats
// widget's Subscribe button on a team hub. The widget's form has no token of its own; the
// page posts it with its own, the role is saved, and the new count arrives as a live update
// (the page is not loaded again).
func TestWidgetSubscribeButton(t *testing.T) {
	needChromium(t)
	w := startWeb(t, formWidgets(t))
	if hasRole(t, w, "designteam", "gnokii", store.RoleSubscriber) {
		t.Fatal("gnokii subscribes to designteam already")
	}
	tab := newBrowser(t)
	do(t, tab, "sign in as gnokii and open designteam", chromedp.Navigate(w.url+"/login/dev?user=gnokii&next=/designteam/"))
	waitJS(t, tab, "the event stream", `document.getElementById("hubs-conn").dataset.state === "live"`)
	if u := evalJS[string](t, tab, `window.hubs.user`); u != "gnokii" {
		t.Errorf("the page says %q is signed in, want gnokii", u)
	}
	subscribers := statJS("stats", "subscriber")
	if n := evalJS[string](t, tab, subscribers); n != "1" {
		t.Fatalf("designteam shows %q subscribers before, want 1 (ralph)", n)
	}
	if v := evalJS[string](t, tab, `document.querySelector('section[data-name="stats"] form[action$="/subscribe"] input[name="_csrf"]').value`); v != "" {
		t.Fatalf("the widget's form came with a token %q: widget HTML is shared by every viewer", v)
	}
	evalJS[chromedp.Void](t, tab, `window.__marker = 5`)

	do(t, tab, "click Subscribe", chromedp.Click(chromedp.CSS(`section[data-name="stats"] button[data-action="subscribe"]`)))
	waitJS(t, tab, "the new count", subscribers+` === "2"`)
	if !hasRole(t, w, "designteam", "gnokii", store.RoleSubscriber) {
		t.Error("the store has no subscriber role for gnokii")
	}
	if m := evalJS[int](t, tab, `window.__marker ?? 0`); m != 5 {
		t.Error("the page was loaded again: the count should come as a live update")
	}
	if s := evalJS[string](t, tab, `document.querySelector('section[data-name="stats"] .widget-status').textContent`); s != "" {
		t.Errorf("the widget says %q after a post that worked", s)
	}
	// The widget was re-rendered by the update: its new form works the same way.
	do(t, tab, "click Star on the re-rendered widget", chromedp.Click(chromedp.CSS(`section[data-name="stats"] button[data-action="star"]`)))
	waitJS(t, tab, "the new stargazer count", statJS("stats", "stargazer")+` === "2"`)
	if !hasRole(t, w, "designteam", "gnokii", store.RoleStargazer) {
		t.Error("the store has no stargazer role for gnokii")
	}
}

// TestWidgetFormForOwner: the fedmsgstats subscribe form is hidden from the person whose
// hub it is (also after a live update re-renders it, and without JavaScript) and shown to
// everyone else.
func TestWidgetFormForOwner(t *testing.T) {
	needChromium(t)
	w := startWeb(t, formWidgets(t))
	const form = `document.querySelector('section[data-name="fedmsgstats"] form[data-owner]')`
	cases := []struct {
		name    string
		user    string
		hub     string
		noJS    bool
		visible bool
	}{
		{name: "own hub", user: "gnokii", hub: "gnokii", visible: false},
		{name: "another's hub", user: "gnokii", hub: "duffy", visible: true},
		{name: "own hub without JavaScript", user: "gnokii", hub: "gnokii", noJS: true, visible: false},
		// Without JavaScript the empty token could only earn a 403: the header's buttons,
		// which carry the token, do the same job.
		{name: "another's hub without JavaScript", user: "gnokii", hub: "duffy", noJS: true, visible: false},
		{name: "signed out", hub: "duffy", visible: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tab := newBrowser(t)
			if tc.noJS {
				do(t, tab, "turn JavaScript off", disableJS())
			}
			url := w.url + "/" + tc.hub + "/"
			if tc.user != "" {
				url = w.url + "/login/dev?user=" + tc.user + "&next=/" + tc.hub + "/"
			}
			do(t, tab, "open the hub", chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS(`section[data-name="fedmsgstats"]`)))
			if !evalJS[bool](t, tab, form+` !== null`) {
				t.Fatal("the fedmsgstats widget has no subscribe form on the page")
			}
			if got := evalJS[bool](t, tab, form+`.checkVisibility()`); got != tc.visible {
				t.Errorf("subscribe form visible: %v, want %v", got, tc.visible)
			}
		})
	}

	t.Run("own hub after a live update", func(t *testing.T) {
		tab := newBrowser(t)
		do(t, tab, "open own hub", chromedp.Navigate(w.url+"/login/dev?user=gnokii&next=/gnokii/"))
		waitJS(t, tab, "the event stream", `document.getElementById("hubs-conn").dataset.state === "live"`)
		if n := evalJS[string](t, tab, statJS("fedmsgstats", "subscriber")); n != "0" {
			t.Fatalf("gnokii's hub shows %q subscribers before, want 0", n)
		}
		if err := w.st.SetRole(context.Background(), "gnokii", "duffy", store.RoleSubscriber); err != nil {
			t.Fatal(err)
		}
		waitJS(t, tab, "the re-rendered widget", statJS("fedmsgstats", "subscriber")+` === "1"`)
		if evalJS[bool](t, tab, form+`.checkVisibility()`) {
			t.Error("the re-rendered subscribe form shows on the owner's own hub")
		}
	})
}

// TestWidgetFormElsewhere: a form in a widget that posts to another site, by its action
// or by its button's formaction, is left to the browser: the page's token is not put in
// it, nor sent with it.
func TestWidgetFormElsewhere(t *testing.T) {
	needChromium(t)
	w := startWeb(t, formWidgets(t))
	type got struct{ token, header string }
	var (
		mu       sync.Mutex
		received []got
	)
	other := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost { // the browser asks for /favicon.ico too
			http.NotFound(rw, r)
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("the other site: %v", err)
		}
		mu.Lock()
		received = append(received, got{r.PostFormValue("_csrf"), r.Header.Get("X-CSRF-Token")})
		mu.Unlock()
		fmt.Fprint(rw, "<!doctype html><title>elsewhere</title><p id=elsewhere>elsewhere</p>")
	}))
	t.Cleanup(other.Close)

	// What a hostile widget could render (h.safe lets a widget print any markup).
	cases := []struct{ name, form string }{
		{"action", `<form method="post" action="%s/steal"><input type="hidden" name="_csrf" value=""><button id="steal">go</button></form>`},
		{"formaction", `<form method="post" action="/api/hub/designteam/star"><input type="hidden" name="_csrf" value=""><button id="steal" formaction="%s/steal">go</button></form>`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			received = nil
			mu.Unlock()
			tab := newBrowser(t)
			do(t, tab, "sign in and open designteam", chromedp.Navigate(w.url+"/login/dev?user=gnokii&next=/designteam/"))
			waitJS(t, tab, "the event stream", `document.getElementById("hubs-conn").dataset.state === "live"`)
			evalJS[chromedp.Void](t, tab, fmt.Sprintf(`document.querySelector('section[data-name="dummy"] .widget-body').innerHTML = %q`,
				fmt.Sprintf(tc.form, other.URL)))
			do(t, tab, "submit the form to the other site", chromedp.Click(chromedp.CSS("#steal")), chromedp.WaitReady(chromedp.CSS("#elsewhere")))
			mu.Lock()
			defer mu.Unlock()
			if len(received) != 1 {
				t.Fatalf("the other site got %d posts, want 1", len(received))
			}
			if r := received[0]; r.token != "" || r.header != "" {
				t.Errorf("the other site got the token: field %q, header %q", r.token, r.header)
			}
			if hasRole(t, w, "designteam", "gnokii", store.RoleStargazer) {
				t.Error("the form's own action was posted too")
			}
		})
	}
}

// TestWidgetLeavesFormOpen: a widget whose HTML leaves a form open does not capture the
// forms after it. Server side, the page closes it after the widget's body; else the
// parser would ignore every later <form> tag and give its fields, the owner's CSRF token
// among them, to the widget's form, which posts to another site.
func TestWidgetLeavesFormOpen(t *testing.T) {
	needChromium(t)
	dir := formWidgets(t)
	copyFile(t, "testdata/formwidgets/openform.js", filepath.Join(dir, "openform.js"))
	w := startWeb(t, dir)
	open, err := w.st.CreateWidget(context.Background(), "designteam", store.NewWidget{Name: "openform", Column: store.ColumnLeft}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The engine learns of a new widget from the store a moment later; until then a page
	// shows a placeholder in its place.
	for deadline := time.Now().Add(20 * time.Second); ; {
		_, err := w.eng.Data(context.Background(), open.ID)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the engine never built the new widget: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, js := range []bool{true, false} {
		t.Run(fmt.Sprintf("javascript %v", js), func(t *testing.T) {
			tab := newBrowser(t)
			if !js {
				do(t, tab, "turn JavaScript off", disableJS())
			}
			do(t, tab, "sign in as an owner and open designteam", chromedp.Navigate(w.url+"/login/dev?user=duffy&next=/designteam/"),
				chromedp.WaitReady(chromedp.CSS(".open-form")))
			// Every field named _csrf after the open form, with the action of the form it
			// would be posted by.
			owners := evalJS[[]string](t, tab, `Array.from(document.querySelectorAll('#hub input[name="_csrf"]'), (i) => i.form?.getAttribute("action") ?? "(no form)")`)
			if len(owners) < 4 {
				t.Fatalf("only %d token fields on the owner's page: %v", len(owners), owners)
			}
			for _, action := range owners {
				if action == "" || action[0] != '/' {
					t.Errorf("a token field belongs to a form posting to %q", action)
				}
			}
		})
	}
}
