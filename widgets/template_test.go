package widgets_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"hubs/runtime"
)

// xss is what the hostile cases put in every string a template prints.
const xss = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`

// unsafeMarkup scans html's tags (a raw "<" followed by a letter: escaped text has none) and
// returns the first thing only an unescaped hostile string could have produced: a script
// element, an event handler attribute, or a javascript: URL as a link or source. Quoted
// attribute values are skipped as values, so an escaped payload inside one is fine.
func unsafeMarkup(html string) string {
	for i := 0; i < len(html); i++ {
		if html[i] != '<' || i+1 >= len(html) || !isLetter(html[i+1]) {
			continue
		}
		j := i + 1
		for j < len(html) && isNameChar(html[j]) {
			j++
		}
		tag := strings.ToLower(html[i+1 : j])
		if tag == "script" {
			return "<script"
		}
		for j < len(html) && html[j] != '>' {
			if !isNameChar(html[j]) {
				j++
				continue
			}
			k := j
			for k < len(html) && isNameChar(html[k]) {
				k++
			}
			attr := strings.ToLower(html[j:k])
			value := ""
			if k < len(html) && html[k] == '=' {
				k++
				if k < len(html) && (html[k] == '"' || html[k] == '\'') {
					end := strings.IndexByte(html[k+1:], html[k])
					if end < 0 {
						return "unterminated attribute " + attr
					}
					value = html[k+1 : k+1+end]
					k += end + 2
				} else {
					v := k
					for k < len(html) && html[k] != ' ' && html[k] != '>' {
						k++
					}
					value = html[v:k]
				}
			}
			if strings.HasPrefix(attr, "on") {
				return "<" + tag + " " + attr + "="
			}
			if (attr == "href" || attr == "src") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(value)), "javascript:") {
				return "<" + tag + " " + attr + "=" + value
			}
			j = k
		}
		i = j
	}
	return ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isNameChar(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '-' || c == '_' || c == ':'
}

// TestTemplates renders every widget's template on data shaped as its data() returns it:
// a realistic case, the empty case, and one where every string is hostile (shown as text,
// links made harmless).
func TestTemplates(t *testing.T) {
	rt := newRuntime(t, nil, nil)
	cases := []struct {
		widget, name, data string
		want               []string // substrings of the HTML
	}{
		{"about", "text", `{"text": "We make Fedora look good.\n\nJoin us!", "own": true}`, []string{"<p>We make Fedora look good.</p>", "<p>Join us!</p>"}},
		{"about", "empty", `{"text": "", "own": false}`, []string{"Nothing written here yet."}},
		{"about", "hostile", `{"text": ` + q(xss) + `, "own": true}`, []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}},

		{"avatar", "named", `{"username": "ralph", "full_name": "Ralph Bean"}`, []string{"Ralph Bean", "(ralph)", "https://seccdn.libravatar.org/avatar/9c9f7784935381befc302fe3c814f9136e7a33953d0318761669b8643f4df55c?s=312"}},
		{"avatar", "unknown", `{"username": "nobody", "full_name": ""}`, []string{"<figcaption>nobody</figcaption>"}},
		{"avatar", "hostile", `{"username": ` + q(xss) + `, "full_name": ` + q(xss) + `}`, []string{"&lt;script&gt;"}},

		{"badges", "some", `{"username": "ralph", "profile": "https://badges.fedoraproject.org/user/ralph", "known": true, "total": 12,
			"assertions": [{"id": "mugshot", "name": "Mugshot", "description": "d", "image": "https://badges.fedoraproject.org/pngs/mugshot.png", "issued": 1381853621, "link": "https://badges.fedoraproject.org/badge/mugshot"}]}`,
			[]string{`href="https://badges.fedoraproject.org/badge/mugshot"`, `src="https://badges.fedoraproject.org/pngs/mugshot.png"`, `alt="Mugshot"`, "All 12 badges of ralph"}},
		{"badges", "empty", `{"username": "ralph", "profile": "https://badges.fedoraproject.org/user/ralph", "known": false, "total": 0, "assertions": []}`, []string{"ralph has no badges yet."}},
		{"badges", "hostile", `{"username": ` + q(xss) + `, "profile": "javascript:alert(1)", "known": true, "total": 1,
			"assertions": [{"id": "x", "name": ` + q(xss) + `, "description": "", "image": "javascript:alert(3)", "issued": 1, "link": "javascript:alert(4)"}]}`, []string{"about:invalid"}},

		{"cobwebs", "archived", `{"archived": true, "idle_days": 3, "old": true, "last_active": 1764320400}`, []string{"archived and locked"}},
		{"cobwebs", "old", `{"archived": false, "idle_days": 40, "old": true, "last_active": 1000000000}`, []string{"Cobweb alert!", "years ago"}},
		{"cobwebs", "active", `{"archived": false, "idle_days": 0, "old": false, "last_active": 1000000000}`, []string{"Last active"}},

		{"dummy", "text", `{"text": "Lorem ipsum dolor..."}`, []string{`<p class="dummy">Lorem ipsum dolor...</p>`}},
		{"dummy", "empty", `{"text": ""}`, []string{`<p class="dummy"></p>`}},
		{"dummy", "hostile", `{"text": ` + q(xss) + `}`, []string{"&lt;script&gt;"}},

		{"fedmsgs", "weeks", fedmsgsData("ralph", []string{"bodhi", "git", "other"}, 7), []string{"<svg", "<rect", "bodhi", "git", "week of "}},
		{"fedmsgs", "empty", `{"username": "ralph", "categories": ["other"], "weeks": [], "total": 0}`, []string{"No activity from ralph"}},
		{"fedmsgs", "hostile", fedmsgsData(xss, []string{xss, "other"}, 3), []string{"&lt;script&gt;"}},

		{"fedmsgstats", "counts", `{"username": "ralph", "hub": "ralph", "fedmsgs": 123456, "subscribers": 3}`, []string{"123,456", ">3<", `action="/api/hub/ralph/subscribe"`, `data-owner="ralph"`}},
		{"fedmsgstats", "zero", `{"username": "ralph", "hub": "ralph", "fedmsgs": 0, "subscribers": 0}`, []string{">0<"}},
		{"fedmsgstats", "hostile", `{"username": ` + q(xss) + `, "hub": ` + q(xss) + `, "fedmsgs": 1, "subscribers": 1}`, []string{"&quot;&gt;&lt;img"}},

		{"feed", "entries", `{"who": ["ralph"], "entries": [{"subtitle": "ralph commented on a bodhi update", "link": "https://bodhi.fedoraproject.org/updates/FEDORA-2019-46910daf41",
			"icon": "https://apps.fedoraproject.org/img/icons/bodhi.png", "secondary_icon": "https://seccdn.libravatar.org/avatar/x", "timestamp": 1559062463, "count": 3}]}`,
			[]string{`href="https://bodhi.fedoraproject.org/updates/FEDORA-2019-46910daf41"`, "ralph commented on a bodhi update", "3 messages", `datetime="2019-05-28T16:54:23.000Z"`}},
		{"feed", "empty", `{"who": ["ralph"], "entries": []}`, []string{"No activity from ralph yet."}},
		{"feed", "no time", `{"who": ["ralph"], "entries": [{"subtitle": "s", "link": null, "icon": null, "secondary_icon": null, "timestamp": null, "count": 1}]}`, []string{`<time datetime="">`}},
		{"feed", "hostile", `{"who": [` + q(xss) + `], "entries": [{"subtitle": ` + q(xss) + `, "link": "javascript:alert(1)", "icon": "javascript:alert(2)", "secondary_icon": null, "timestamp": 1, "count": 1}]}`, []string{"about:invalid", "&lt;script&gt;"}},

		{"meetings", "next", `{"calendar": "design", "link": "https://apps.fedoraproject.org/calendar/design/", "meetings": [{"name": "Design Team Meeting", "when": 1765299600, "date": "Dec 09", "time": "17:00 UTC", "location": "#fedora-design", "link": "https://apps.fedoraproject.org/calendar/meeting/4201/"}]}`,
			[]string{"Design Team Meeting", "Dec 09", "@17:00 UTC", "#fedora-design", `href="https://apps.fedoraproject.org/calendar/meeting/4201/"`}},
		{"meetings", "none", `{"calendar": "i18n", "link": "https://apps.fedoraproject.org/calendar/i18n/", "meetings": []}`, []string{"No meeting planned"}},
		{"meetings", "hostile", `{"calendar": ` + q(xss) + `, "link": "javascript:alert(1)", "meetings": [{"name": ` + q(xss) + `, "when": 1, "date": ` + q(xss) + `, "time": "", "location": ` + q(xss) + `, "link": "javascript:alert(2)"}]}`, []string{"about:invalid", "&lt;script&gt;"}},

		{"rules", "full", `{"link": "https://fedoraproject.org/wiki/Design", "schedule_text": "Every other Wednesday", "schedule_link": "https://fedoraproject.org/wiki/Design/Meetings", "minutes_link": "https://meetbot.fedoraproject.org/", "owners": [{"name": "duffy", "avatar": "https://seccdn.libravatar.org/avatar/d"}, {"name": "ryanlerch", "avatar": "https://seccdn.libravatar.org/avatar/r"}]}`,
			[]string{"Community Rules and Guidelines", "Every other Wednesday", "Meeting Schedule", "Past Meeting Minutes", `href="/duffy/"`, `href="/ryanlerch/"`, `src="https://seccdn.libravatar.org/avatar/d"`}},
		{"rules", "empty", `{"link": "", "schedule_text": "", "schedule_link": "", "minutes_link": "", "owners": []}`, []string{"This hub has no owner."}},
		{"rules", "hostile", `{"link": "javascript:alert(1)", "schedule_text": ` + q(xss) + `, "schedule_link": "javascript:alert(2)", "minutes_link": " javascript:alert(3)", "owners": [{"name": ` + q(xss) + `, "avatar": "javascript:alert(5)"}]}`, []string{"about:invalid", "&lt;script&gt;"}},

		{"stats", "counts", `{"hub": "designteam", "owners": 2, "members": 4, "subscribers": 1, "stargazers": 1200}`, []string{"1,200", `<span class="stat-label">subscriber</span>`, `<span class="stat-label">stargazers</span>`, `action="/api/hub/designteam/star"`, `action="/api/hub/designteam/join"`, "<style>"}},
		{"stats", "zero", `{"hub": "x", "owners": 0, "members": 0, "subscribers": 0, "stargazers": 0}`, []string{">0<"}},
		{"stats", "hostile", `{"hub": ` + q(xss) + `, "owners": 0, "members": 0, "subscribers": 0, "stargazers": 0}`, []string{"%3Cscript%3E"}},

		{"sticky", "markdown", `{"text": "**Welcome** to the [design team](https://fedoraproject.org/wiki/Design)!\n\n- artwork\n- badges"}`, []string{"<strong>Welcome</strong>", `<a href="https://fedoraproject.org/wiki/Design" rel="nofollow noopener">design team</a>`, "<li>artwork</li>"}},
		{"sticky", "empty", `{"text": ""}`, []string{`<div class="sticky"></div>`}},
		{"sticky", "hostile", `{"text": ` + q(xss+"\n[x](javascript:alert(1))") + `}`, []string{"&lt;script&gt;"}},

		{"subscriptions", "both", `{"username": "ralph", "known": true, "memberships": ["ralph"], "subscriptions": ["designteam", "i18n", "marketing"], "stars": []}`,
			[]string{"Belongs to: ", `<a href="/ralph/">ralph</a>`, `<a href="/designteam/">designteam</a>, <a href="/i18n/">i18n</a> and <a href="/marketing/">marketing</a>`}},
		{"subscriptions", "none", `{"username": "ralph", "known": true, "memberships": [], "subscriptions": [], "stars": []}`, []string{"ralph belongs to no hub yet."}},
		{"subscriptions", "unknown", `{"username": "nobody", "known": false, "memberships": [], "subscriptions": [], "stars": []}`, []string{"has not signed in"}},
		{"subscriptions", "hostile", `{"username": ` + q(xss) + `, "known": true, "memberships": [` + q(xss) + `], "subscriptions": [], "stars": []}`, []string{"&lt;script&gt;"}},

		{"workflow.pendingacls", "some", `{"username": "ralph", "manage": "https://admin.fedoraproject.org/pkgdb/acl/pending/", "pending": [{"user": "grover", "avatar": "https://seccdn.libravatar.org/avatar/g", "acl": "commit", "package": "python-sh", "namespace": "rpms", "collection": "master", "status": "Awaiting Review", "link": "https://admin.fedoraproject.org/pkgdb/package/rpms/python-sh/"}]}`,
			[]string{"<strong>grover</strong> is awaiting review for commit on", ">python-sh</a> (master)", "Manage requests"}},
		{"workflow.pendingacls", "none", `{"username": "ralph", "manage": "https://x/", "pending": []}`, []string{"No ACL request waits for ralph."}},
		{"workflow.pendingacls", "hostile", `{"username": "x", "manage": "javascript:alert(1)", "pending": [{"user": ` + q(xss) + `, "avatar": "javascript:alert(5)", "acl": ` + q(xss) + `, "package": ` + q(xss) + `, "namespace": "rpms", "collection": ` + q(xss) + `, "status": ` + q(xss) + `, "link": "javascript:alert(2)"}]}`, []string{"about:invalid", "&lt;script&gt;"}},

		{"workflow.updates2stable", "ready", `{"username": "ralph", "manage": "https://bodhi.fedoraproject.org/updates/?user=ralph", "updates": [{"title": "fedmsg-1.1.2-1.fc30", "karma": 2, "link": "https://bodhi.fedoraproject.org/updates/FEDORA-2026-0e1f2a3b4c", "package": "fedmsg", "icon": "https://apps.fedoraproject.org/packages/images/icons/fedmsg.png"}]}`,
			[]string{"fedmsg-1.1.2-1.fc30</a> (karma 2) ready for love", `src="https://apps.fedoraproject.org/packages/images/icons/fedmsg.png"`, "Manage updates"}},
		{"workflow.updates2stable", "none", `{"username": "ralph", "manage": "https://x/", "updates": []}`, []string{"No update of ralph waits"}},
		{"workflow.updates2stable", "hostile", `{"username": "x", "manage": "javascript:alert(1)", "updates": [{"title": ` + q(xss) + `, "karma": 0, "link": "javascript:alert(2)", "package": "", "icon": "javascript:alert(3)"}]}`, []string{"about:invalid", "&lt;script&gt;"}},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.widget+"/"+c.name, func(t *testing.T) {
			if c.name == "hostile" && !strings.Contains(c.data, `\u003cscript\u003e`) {
				t.Fatal("a hostile case must carry the payload")
			}
			if !json.Valid([]byte(c.data)) {
				t.Fatalf("test data is not JSON: %s", c.data)
			}
			html, err := rt.Template(ctx, runtime.Instance{ID: 1, Name: c.widget, Hub: "ralph"}, json.RawMessage(c.data))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(html, w) {
					t.Errorf("missing %q in\n%s", w, html)
				}
			}
			if m := unsafeMarkup(html); m != "" {
				t.Errorf("unsafe markup %q in\n%s", m, html)
			}
		})
	}
}

// q quotes s as a JSON string.
func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// fedmsgsData is fedmsgs data for twelve weeks with n messages a week in the first category.
func fedmsgsData(user string, categories []string, n int) string {
	type week struct {
		Start  int64 `json:"start"`
		Total  int   `json:"total"`
		Counts []int `json:"counts"`
	}
	weeks := make([]week, 12)
	for i := range weeks {
		counts := make([]int, len(categories))
		counts[0] = n
		counts[len(counts)-1] = i
		weeks[i] = week{Start: clock.Unix() - int64(12-i)*7*86400, Total: n + i, Counts: counts}
	}
	b, _ := json.Marshal(map[string]any{"username": user, "categories": categories, "weeks": weeks, "total": 12*n + 66})
	return string(b)
}

// TestUnsafeMarkup makes sure the checker above catches what it is meant to catch.
func TestUnsafeMarkup(t *testing.T) {
	for _, c := range []struct {
		html string
		bad  bool
	}{
		{`<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`, false},
		{`<img alt="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" src="https://x/">`, false},
		{`<a href="about:invalid#h-unsafe-url">x</a>`, false},
		{`<p><script>alert(1)</script></p>`, true},
		{`<img src=x onerror=alert(2)>`, true},
		{`<img alt="" onerror="alert(2)">`, true},
		{`<a href=" javascript:alert(1)">x</a>`, true},
		{`<a title="x"href='javascript:alert(1)'>x</a>`, true},
	} {
		if got := unsafeMarkup(c.html) != ""; got != c.bad {
			t.Errorf("unsafeMarkup(%q) found something = %v, want %v", c.html, got, c.bad)
		}
	}
}
