package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"hubs/server"
	"hubs/store"
)

func TestEditConfig(t *testing.T) {
	s := newStack(t, server.WebConfig{Dev: true})
	ctx := context.Background()
	sticky := s.widgetID("designteam", "sticky")
	rules := s.widgetID("designteam", "rules")
	cobwebs := s.widgetID("designteam", "cobwebs")
	editPath := func(id int64) string { return fmt.Sprintf("/designteam/%d/edit", id) }

	anon := s.client()
	member := s.client()
	memberCSRF := s.signIn(member, "gnokii") // a member of designteam, not an owner
	owner := s.client()
	csrf := s.signIn(owner, "duffy")

	t.Run("no session: to sign in", func(t *testing.T) {
		resp, _ := s.get(anon, editPath(sticky))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape(editPath(sticky)) {
			t.Fatalf("GET edit signed out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, _ = s.postForm(anon, editPath(sticky), "", url.Values{"text": {"x"}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Fatalf("POST edit signed out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("not an owner: 403", func(t *testing.T) {
		resp, body := s.get(member, editPath(sticky))
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Only the owners of designteam") {
			t.Fatalf("GET edit as member: %d %s", resp.StatusCode, body)
		}
		resp, body = s.postForm(member, editPath(sticky), memberCSRF, url.Values{"text": {"hacked"}})
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "gnokii is not one") {
			t.Fatalf("POST edit as member: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("form from params", func(t *testing.T) {
		resp, body := s.get(owner, editPath(rules))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET edit: %d", resp.StatusCode)
		}
		for _, want := range []string{
			`<label for="f-link">Rules page</label>`,
			`<input type="url" id="f-link" name="link" value="https://fedoraproject.org/wiki/Design"`,
			`Where the team&#39;s rules are written.`,
			`<input type="text" id="f-schedule_text" name="schedule_text" value="Every other Wednesday at 17:00 UTC in #fedora-design"`,
			`name="_csrf" value="` + csrf + `"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("form lacks %s", want)
			}
		}
	})

	t.Run("missing CSRF token: 403", func(t *testing.T) {
		resp, _ := s.postForm(owner, editPath(sticky), "", url.Values{"text": {"no token"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d", resp.StatusCode)
		}
		resp, _ = s.postForm(owner, editPath(sticky), "forged", url.Values{"text": {"bad token"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})

	invalid := []struct {
		name   string
		id     int64
		values url.Values
		field  string
		msg    string
	}{
		{"link not http", rules, url.Values{"link": {"javascript:alert(1)"}}, "link", "must be an http or https URL"},
		{"string with newline", rules, url.Values{"schedule_text": {"two\nlines"}}, "schedule_text", "must be a single line"},
		{"bad username", cobwebs, url.Values{"user": {"Not A Name"}}, "user", "is not a valid username"},
		{"unknown username", cobwebs, url.Values{"user": {"nobodyhere"}}, "user", "is not a known user"},
	}
	for _, tt := range invalid {
		t.Run("invalid: "+tt.name, func(t *testing.T) {
			before, _ := s.st.GetWidget(ctx, tt.id)
			resp, body := s.postForm(owner, editPath(tt.id), csrf, tt.values)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Nothing was saved") ||
				!strings.Contains(body, `<p class="field-error" id="err-`+tt.field+`" role="alert">`+tt.msg+`</p>`) {
				t.Fatalf("POST: %d %s", resp.StatusCode, body)
			}
			// The submitted value comes back for correction.
			if !strings.Contains(body, htmlEscape(tt.values.Get(tt.field))) {
				t.Errorf("form does not show the submitted value %q", tt.values.Get(tt.field))
			}
			after, _ := s.st.GetWidget(ctx, tt.id)
			if string(after.Config) != string(before.Config) {
				t.Fatalf("config changed although invalid: %s -> %s", before.Config, after.Config)
			}
		})
	}

	t.Run("JSON body with errors", func(t *testing.T) {
		resp, body := s.do(owner, http.MethodPost, editPath(rules), strings.NewReader(`{"link":"ftp://x","bogus":1}`),
			map[string]string{"Content-Type": "application/json", "X-CSRF-Token": csrf})
		var got struct{ Fields map[string]string }
		if resp.StatusCode != http.StatusUnprocessableEntity || json.Unmarshal([]byte(body), &got) != nil ||
			got.Fields["link"] == "" || got.Fields["bogus"] != "unknown parameter" {
			t.Fatalf("POST JSON: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("save reaches open pages", func(t *testing.T) {
		_, events := s.openEvents("/designteam/events", nil)
		resp, _ := s.postForm(owner, editPath(sticky), csrf, url.Values{"text": {"Saved from the **form**"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/designteam/#widget-%d", sticky) {
			t.Fatalf("POST: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		w, _ := s.st.GetWidget(ctx, sticky)
		if string(w.Config) != `{"text": "Saved from the **form**"}` {
			t.Fatalf("saved config %s", w.Config)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			ev := next(t, events, time.Until(deadline))
			if ev.event == "widget" && strings.Contains(ev.data, `"idx":`+fmt.Sprint(sticky)) && strings.Contains(ev.data, "Saved from the **form**") {
				break
			}
		}
		_, page := s.get(anon, "/designteam/")
		if !strings.Contains(page, "Saved from the <strong>form</strong>") {
			t.Fatalf("page does not show the saved note")
		}
	})

	t.Run("valid username saves", func(t *testing.T) {
		resp, body := s.postForm(owner, editPath(cobwebs), csrf, url.Values{"user": {"ralph"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST: %d %s", resp.StatusCode, body)
		}
	})
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "\n", "\n").Replace(s)
}

func TestLayoutEditing(t *testing.T) {
	s := newStack(t, server.WebConfig{Dev: true})
	ctx := context.Background()
	owner := s.client()
	csrf := s.signIn(owner, "ryanlerch")
	member := s.client()
	memberCSRF := s.signIn(member, "nask0")

	names := func() []string {
		ws, err := s.st.ListWidgets(ctx, "designteam")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, w := range ws {
			out = append(out, string(w.Column)+" "+w.Name)
		}
		return out
	}

	resp, _ := s.postForm(member, "/designteam/add", memberCSRF, url.Values{"name": {"dummy"}, "column": {"right"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("add as member: %d", resp.StatusCode)
	}
	resp, _ = s.postForm(owner, "/designteam/add", csrf, url.Values{"name": {"nosuch"}, "column": {"right"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("add unknown widget: %d", resp.StatusCode)
	}
	resp, _ = s.postForm(owner, "/designteam/add", csrf, url.Values{"name": {"dummy"}, "column": {"right"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", resp.StatusCode)
	}
	if got := names(); got[3] != "right dummy" || len(got) != 8 {
		t.Fatalf("after add: %v", got)
	}
	// A widget with a required param goes to its form.
	resp, _ = s.postForm(owner, "/designteam/add", csrf, url.Values{"name": {"meetings"}, "column": {"left"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/edit") {
		t.Fatalf("add meetings: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	sticky := s.widgetID("designteam", "sticky")
	resp, _ = s.postForm(owner, fmt.Sprintf("/designteam/%d/move", sticky), csrf, url.Values{"column": {"right"}, "position": {"0"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: %d", resp.StatusCode)
	}
	if got := names(); got[3] != "right sticky" { // after the three left ones, at the top of the right
		t.Fatalf("after move: %v", got)
	}
	resp, _ = s.postForm(owner, fmt.Sprintf("/designteam/%d/move", sticky), csrf, url.Values{"column": {"middle"}, "position": {"0"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("move to a bad column: %d", resp.StatusCode)
	}
	resp, _ = s.postForm(owner, fmt.Sprintf("/designteam/%d/delete", sticky), csrf, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if got := names(); slices.Contains(got, "right sticky") {
		t.Fatalf("after delete: %v", got)
	}
	// Another hub's widget is not reachable through this one.
	other := s.widgetID("marketing", "sticky")
	resp, _ = s.postForm(owner, fmt.Sprintf("/designteam/%d/delete", other), csrf, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("delete another hub's widget: %d", resp.StatusCode)
	}
}

func TestHubActions(t *testing.T) {
	s := newStack(t, server.WebConfig{Dev: true})
	ctx := context.Background()
	c := s.client()
	csrf := s.signIn(c, "lmacken")
	post := func(action, token string) (*http.Response, string) {
		return s.do(c, http.MethodPost, "/api/hub/designteam/"+action, nil,
			map[string]string{"X-CSRF-Token": token, "Accept": "application/json"})
	}
	steps := []struct {
		action string
		want   []store.Role
	}{
		{"subscribe", []store.Role{store.RoleSubscriber}},
		{"star", []store.Role{store.RoleSubscriber, store.RoleStargazer}},
		{"join", []store.Role{store.RoleMember, store.RoleSubscriber, store.RoleStargazer}},
		{"unsubscribe", []store.Role{store.RoleMember, store.RoleStargazer}},
		{"unstar", []store.Role{store.RoleMember}},
		{"leave", []store.Role{}},
	}
	for _, st := range steps {
		t.Run(st.action, func(t *testing.T) {
			resp, body := post(st.action, csrf)
			var got struct{ Roles []store.Role }
			if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || !slices.Equal(got.Roles, st.want) {
				t.Fatalf("POST %s: %d %s, want roles %v", st.action, resp.StatusCode, body, st.want)
			}
			roles, _ := s.st.RolesOf(ctx, "designteam", "lmacken")
			if !slices.Equal(roles, st.want) {
				t.Fatalf("stored roles %v", roles)
			}
		})
	}
	t.Run("form post goes back", func(t *testing.T) {
		resp, _ := s.postForm(c, "/api/hub/designteam/star", csrf, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/designteam/" {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	refused := []struct {
		name   string
		client *http.Client
		action string
		token  string
		status int
	}{
		{"no session", s.client(), "star", "", http.StatusSeeOther},
		{"no CSRF token", c, "star", "", http.StatusForbidden},
		{"unknown action", c, "explode", csrf, http.StatusNotFound},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := s.do(tt.client, http.MethodPost, "/api/hub/designteam/"+tt.action, nil,
				map[string]string{"X-CSRF-Token": tt.token, "Accept": "application/json"})
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

func TestLogin(t *testing.T) {
	t.Run("dev off", func(t *testing.T) {
		s := newStack(t, server.WebConfig{})
		if resp, _ := s.get(s.client(), "/login/dev?user=duffy"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("dev login without --dev: %d", resp.StatusCode)
		}
		if _, body := s.get(s.client(), "/login"); !strings.Contains(body, "Sign-in is not configured") {
			t.Fatalf("login page: %s", body)
		}
	})
	s := newStack(t, server.WebConfig{Dev: true})
	c := s.client()
	if resp, _ := s.get(c, "/login/dev?user=nobodyhere"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown user: %d", resp.StatusCode)
	}
	if resp, _ := s.get(c, "/login/dev?user=duffy&next=//evil.example/"); resp.Header.Get("Location") != "/" {
		t.Fatalf("open redirect: %s", resp.Header.Get("Location"))
	}
	csrf := s.signIn(c, "duffy")
	// A forged cookie (another user's name under duffy's signature) is nobody.
	u, _ := url.Parse(s.url)
	for _, ck := range c.Jar.Cookies(u) {
		forged := s.client()
		parts := strings.SplitN(ck.Value, ".", 2)
		forged.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: "cmFscGg." + parts[1]}})
		if _, body := s.get(forged, "/designteam/"); strings.Contains(body, `<a href="/ralph/">ralph</a>`) {
			t.Fatalf("forged session accepted")
		}
	}
	resp, _ := s.postForm(c, "/logout", csrf, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if _, body := s.get(c, "/designteam/"); strings.Contains(body, "Sign out") {
		t.Fatalf("still signed in after logout")
	}
}

// Checkboxes, selects and numbers: the form shows them, and what the browser sends for
// them (a hidden "false" before a checkbox, strings for numbers) saves as typed values.
func TestEditFieldTypes(t *testing.T) {
	s := newStack(t, server.WebConfig{Dev: true})
	ctx := context.Background()
	owner := s.client()
	csrf := s.signIn(owner, "duffy")
	dummy := s.widgetID("designteam", "dummy")
	meetings := s.widgetID("designteam", "meetings")
	edit := func(id int64) string { return fmt.Sprintf("/designteam/%d/edit", id) }

	_, form := s.get(owner, edit(dummy))
	for _, want := range []string{
		`<input type="hidden" name="shout" value="false">`,
		`<input type="checkbox" id="f-shout" name="shout" value="true">`,
		`<select id="f-style" name="style"><option value="plain" selected>plain</option><option value="boxed">boxed</option></select>`,
	} {
		if !strings.Contains(form, want) {
			t.Errorf("form lacks %s", want)
		}
	}
	saves := []struct {
		name   string
		values url.Values
		want   string
	}{
		{"checked", url.Values{"shout": {"false", "true"}, "style": {"boxed"}}, `{"shout": true, "style": "boxed"}`},
		{"unchecked", url.Values{"shout": {"false"}, "style": {"plain"}}, `{"shout": false, "style": "plain"}`},
	}
	for _, tt := range saves {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := s.postForm(owner, edit(dummy), csrf, tt.values)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST: %d %s", resp.StatusCode, body)
			}
			w, _ := s.st.GetWidget(ctx, dummy)
			if string(w.Config) != tt.want {
				t.Fatalf("saved %s, want %s", w.Config, tt.want)
			}
		})
	}
	invalid := []struct {
		id     int64
		values url.Values
		field  string
		msg    string
	}{
		{dummy, url.Values{"style": {"fancy"}}, "style", "must be one of plain, boxed"},
		{meetings, url.Values{"calendar": {"design"}, "limit": {"many"}}, "limit", "must be a whole number"},
		{meetings, url.Values{"calendar": {"design"}, "limit": {"99"}}, "limit", "must be at most 20"},
		{meetings, url.Values{"calendar": {""}, "limit": {"3"}}, "calendar", "is required"},
	}
	for _, tt := range invalid {
		t.Run(tt.field+" "+tt.msg, func(t *testing.T) {
			resp, body := s.postForm(owner, edit(tt.id), csrf, tt.values)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="err-`+tt.field+`" role="alert">`+tt.msg+`<`) {
				t.Fatalf("POST %v: %d", tt.values, resp.StatusCode)
			}
		})
	}
	resp, _ := s.postForm(owner, edit(meetings), csrf, url.Values{"calendar": {"design"}, "limit": {"5"}})
	if w, _ := s.st.GetWidget(ctx, meetings); resp.StatusCode != http.StatusSeeOther || string(w.Config) != `{"limit": 5, "calendar": "design"}` {
		t.Fatalf("integer saved as %s (%d)", w.Config, resp.StatusCode)
	}
}
