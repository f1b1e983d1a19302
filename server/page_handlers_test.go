package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"hubs/engine"
	"hubs/server"
	"hubs/store"
)

func TestHubPage(t *testing.T) {
	s := newStack(t, server.WebConfig{Dev: true})
	c := s.client()
	ctx := context.Background()
	broken, err := s.st.CreateWidget(ctx, "designteam", store.NewWidget{Name: "broken", Column: store.ColumnLeft}, -1)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := s.st.CreateWidget(ctx, "designteam", store.NewWidget{Name: "nosuchwidget", Column: store.ColumnRight}, -1)
	if err != nil {
		t.Fatal(err)
	}
	// The engine learns of new widgets from the store's announcements, a moment later.
	eventually(t, 10*time.Second, "the engine knows the broken widget", func() bool {
		_, err := s.eng.Data(ctx, broken.ID)
		return !errors.Is(err, engine.ErrNotFound)
	})

	resp, page := s.get(c, "/designteam/")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /designteam/: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Every widget already shows its data: no spinner, no client rendering needed.
	for _, want := range []string{
		"The Fedora Design team makes Fedora look good",                  // sticky, from its config, through h.markdown
		`<a href="https://fedoraproject.org/wiki/Design">Team rules</a>`, // rules
		"No meetings announced on the <b>design</b> calendar.",           // meetings
		"Owners: duffy and ryanlerch",                                    // about, from ctx.hub
		"No wiki edits yet.",                                             // cobwebs, from the archive
		`<p class="dummy">Nothing to see here.</p>`,                      // dummy
		"<dt>Members</dt><dd>6</dd>",                                     // stats
		`class="col left w8"`, `class="col right w4"`,                    // columns by left width
		"<h1>designteam</h1>", "The Fedora Design Team", // team header
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// A failing widget shows its error panel, with the message and its position but not
	// the stack; the page is otherwise whole.
	section := sectionOf(t, page, broken.ID)
	if !strings.Contains(section, `class="widget-error"`) || !strings.Contains(section, "kaput: the upstream is down") ||
		!regexp.MustCompile(`broken\.js:\d+:\d+`).MatchString(section) {
		t.Errorf("broken widget section: %s", section)
	}
	if strings.Contains(page, "    at ") {
		t.Errorf("a stack trace leaked into the page")
	}
	if section := sectionOf(t, page, missing.ID); !strings.Contains(section, "not available on this server") {
		t.Errorf("widget of an unknown kind: %s", section)
	}
	if n := strings.Count(page, `<section class="widget`); n != 9 {
		t.Errorf("%d widget sections, want 9", n)
	}
	// Owners' tools only for owners.
	if strings.Contains(page, "/edit") || strings.Contains(page, "Add a widget") {
		t.Errorf("anonymous viewer sees owner tools")
	}
	// The client runtime and the style sheet, by content-hashed URL.
	if !regexp.MustCompile(`<script type="module" src="/static/[0-9a-f]{12}/hubs.js">`).MatchString(page) ||
		!regexp.MustCompile(`<link rel="stylesheet" href="/static/[0-9a-f]{12}/hubs.css">`).MatchString(page) {
		t.Errorf("page does not load hashed assets")
	}

	t.Run("owner", func(t *testing.T) {
		oc := s.client()
		s.signIn(oc, "duffy")
		_, page := s.get(oc, "/designteam/")
		sticky := s.widgetID("designteam", "sticky")
		for _, want := range []string{fmt.Sprintf(`href="/designteam/%d/edit"`, sticky), "Add a widget", `action="/api/hub/designteam/join"`} {
			if !strings.Contains(page, want) {
				t.Errorf("owner's page lacks %q", want)
			}
		}
	})

	t.Run("user hub header", func(t *testing.T) {
		_, page := s.get(c, "/duffy/")
		for _, want := range []string{`<img class="avatar" src="https://seccdn.libravatar.org/avatar/`, "<h1>Máirín Duffy</h1>",
			`<p class="summary">duffy</p>`, `class="hub-header user-hub"`} {
			if !strings.Contains(page, want) {
				t.Errorf("user hub page lacks %s", want)
			}
		}
	})

	notFound := []string{"/nosuchhub/", "/nosuchhub", "/designteam/999999/", "/bad%20name/"}
	for _, path := range notFound {
		t.Run("404 "+path, func(t *testing.T) {
			resp, body := s.get(c, path)
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "<h1>404 · Not found</h1>") {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
			}
		})
	}
}

// sectionOf cuts the chrome of widget id out of a page.
func sectionOf(t *testing.T, page string, id int64) string {
	t.Helper()
	start := strings.Index(page, fmt.Sprintf(`id="widget-%d"`, id))
	if start < 0 {
		t.Fatalf("no section for widget %d", id)
	}
	end := strings.Index(page[start:], "</section>")
	return page[start : start+end]
}

func TestWidgetRoutes(t *testing.T) {
	s := newStack(t, server.WebConfig{})
	c := s.client()
	sticky := s.widgetID("designteam", "sticky")

	t.Run("alone", func(t *testing.T) {
		resp, page := s.get(c, fmt.Sprintf("/designteam/%d/", sticky))
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "makes Fedora look good") ||
			strings.Count(page, `<section class="widget`) != 1 {
			t.Fatalf("GET widget alone: %d %s", resp.StatusCode, page)
		}
	})

	t.Run("json and ETag", func(t *testing.T) {
		path := fmt.Sprintf("/designteam/%d/json", sticky)
		resp, body := s.get(c, path)
		d, err := s.eng.Data(context.Background(), sticky)
		if err != nil {
			t.Fatal(err)
		}
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || body != string(d.JSON) || etag == "" ||
			resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET %s: %d %q etag %q, want the engine's bytes %s", path, resp.StatusCode, body, etag, d.JSON)
		}
		resp, body = s.do(c, http.MethodGet, path, nil, map[string]string{"If-None-Match": etag})
		if resp.StatusCode != http.StatusNotModified || body != "" {
			t.Fatalf("If-None-Match: %d %q", resp.StatusCode, body)
		}
		resp, _ = s.do(c, http.MethodGet, path, nil, map[string]string{"If-None-Match": `"other"`})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("other ETag: %d", resp.StatusCode)
		}
	})

	wrong := []string{
		fmt.Sprintf("/marketing/%d/json", sticky), // another hub's widget
		"/designteam/999999/json",
		"/nosuchhub/1/json",
	}
	for _, path := range wrong {
		t.Run("404 "+path, func(t *testing.T) {
			if resp, body := s.get(c, path); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `"error"`) {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
			}
		})
	}
}

func TestAssets(t *testing.T) {
	s := newStack(t, server.WebConfig{})
	c := s.client()
	_, page := s.get(c, "/designteam/")
	css := regexp.MustCompile(`href="(/static/[0-9a-f]{12}/hubs.css)"`).FindStringSubmatch(page)
	module := regexp.MustCompile(`data-module="(/widgets/[0-9a-f]+/sticky.js)"`).FindStringSubmatch(page)
	if css == nil || module == nil {
		t.Fatalf("page lacks the style sheet or the sticky module URL")
	}
	cssFile, _ := os.ReadFile("../static/hubs.css")
	hJS, _ := os.ReadFile("../static/h.js")
	stickyJS, _ := os.ReadFile(testWidgets + "/sticky.js")
	hashed := strings.TrimSuffix(css[1], "hubs.css")
	const immutable, revalidate = "public, max-age=31536000, immutable", "no-cache"
	tests := []struct {
		name, path, body, ctype, cache string
	}{
		{"hashed css", css[1], string(cssFile), "text/css; charset=utf-8", immutable},
		{"hashed module imported relatively", hashed + "h.js", string(hJS), "text/javascript; charset=utf-8", immutable},
		{"unhashed css", "/static/hubs.css", string(cssFile), "text/css; charset=utf-8", revalidate},
		{"old hash", "/static/000000000000/hubs.css", string(cssFile), "text/css; charset=utf-8", revalidate},
		{"widget module", module[1], string(stickyJS), "text/javascript; charset=utf-8", immutable},
		{"widget source", "/widgets/sticky.js", string(stickyJS), "text/javascript; charset=utf-8", revalidate},
		{"widget old version", "/widgets/0123456789abcdef/sticky.js", string(stickyJS), "text/javascript; charset=utf-8", revalidate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := s.get(c, tt.path)
			if resp.StatusCode != http.StatusOK || body != tt.body || resp.Header.Get("Content-Type") != tt.ctype ||
				resp.Header.Get("Cache-Control") != tt.cache {
				t.Fatalf("GET %s: %d %s %q (%d bytes)", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"),
					resp.Header.Get("Cache-Control"), len(body))
			}
			resp, _ = s.do(c, http.MethodGet, tt.path, nil, map[string]string{"If-None-Match": resp.Header.Get("ETag")})
			if resp.StatusCode != http.StatusNotModified {
				t.Fatalf("revalidation: %d", resp.StatusCode)
			}
		})
	}
	for _, path := range []string{"/static/nope.css", "/widgets/nope.js", "/widgets/0123/../../go.mod",
		"/widgets/0123/lib/nothing.js", "/widgets/0123/sticky.txt", "/static/" + strings.Repeat("a", 12) + "/../server/server.go"} {
		t.Run("404 "+path, func(t *testing.T) {
			if resp, _ := s.get(c, path); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("GET %s: %d", path, resp.StatusCode)
			}
		})
	}
}

func TestRoot(t *testing.T) {
	s := newStack(t, server.WebConfig{Dev: true})
	c := s.client()
	resp, page := s.get(c, "/")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<a href="/designteam/">designteam</a>`) ||
		!strings.Contains(page, `<a href="/duffy/">duffy</a>`) {
		t.Fatalf("GET / signed out: %d %s", resp.StatusCode, page)
	}
	s.signIn(c, "duffy")
	if resp, _ := s.get(c, "/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/duffy/" {
		t.Fatalf("GET / signed in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The hub's JSON and the pages answer 304 to a client that has them.
func TestPageETags(t *testing.T) {
	s := newStack(t, server.WebConfig{})
	c := s.client()
	sticky := s.widgetID("designteam", "sticky")
	for _, path := range []string{"/designteam/json", "/designteam/", fmt.Sprintf("/designteam/%d/", sticky)} {
		t.Run(path, func(t *testing.T) {
			resp, body := s.get(c, path)
			etag := resp.Header.Get("ETag")
			if resp.StatusCode != http.StatusOK || etag == "" || body == "" {
				t.Fatalf("GET %s: %d, ETag %q", path, resp.StatusCode, etag)
			}
			resp, body = s.do(c, http.MethodGet, path, nil, map[string]string{"If-None-Match": etag})
			if resp.StatusCode != http.StatusNotModified || body != "" {
				t.Fatalf("If-None-Match: %d %q", resp.StatusCode, body)
			}
		})
	}
	// A change to the hub changes the tag.
	_, before := s.get(c, "/designteam/json")
	resp, _ := s.get(c, "/designteam/json")
	tag := resp.Header.Get("ETag")
	if _, err := s.st.UpdateWidgetConfig(context.Background(), sticky, []byte(`{"text":"changed"}`)); err != nil {
		t.Fatal(err)
	}
	resp, after := s.do(c, http.MethodGet, "/designteam/json", nil, map[string]string{"If-None-Match": tag})
	if resp.StatusCode != http.StatusOK || after == before {
		t.Fatalf("after a change: %d", resp.StatusCode)
	}
}
