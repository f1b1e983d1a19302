package widgets_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"hubs/engine"
	"hubs/fedmsg"
	"hubs/runtime"
	"hubs/store"
	"hubs/store/storetest"
)

// TestUpstreamData runs the four widgets that ask Fedora's services against local servers
// answering with recorded responses, and checks what data() makes of them and what it asked.
func TestUpstreamData(t *testing.T) {
	up := newUpstreams(t)
	rt := newRuntime(t, nil, up.settings(""))
	ctx := context.Background()
	cases := []struct {
		widget  string
		config  map[string]any
		request string // what the widget must have asked
		check   func(t *testing.T, data map[string]any)
	}{
		{"badges", map[string]any{"username": "ralph"}, "/badges/user/ralph/json", func(t *testing.T, d map[string]any) {
			as := d["assertions"].([]any)
			if len(as) != 10 || d["total"].(float64) != 12 {
				t.Fatalf("%d assertions shown of %v, want 10 of 12", len(as), d["total"])
			}
			first := as[0].(map[string]any)
			if first["name"] != "Paranoid Panda" || first["link"] != up.srv.URL+"/badges/badge/paranoid-panda" {
				t.Errorf("newest first: got %v", first)
			}
			for i := 1; i < len(as); i++ {
				if as[i-1].(map[string]any)["issued"].(float64) < as[i].(map[string]any)["issued"].(float64) {
					t.Errorf("assertions not newest first at %d", i)
				}
			}
		}},
		{"badges", map[string]any{"username": "nobody"}, "/badges/user/nobody/json", func(t *testing.T, d map[string]any) {
			if d["known"] != false || len(d["assertions"].([]any)) != 0 {
				t.Errorf("unknown user: %v", d)
			}
		}},
		{"meetings", map[string]any{"calendar": "design"}, "/calendar/api/meetings/?calendar=design&start=2026-11-28", func(t *testing.T, d map[string]any) {
			ms := d["meetings"].([]any)
			if len(ms) != 2 {
				t.Fatalf("want the next meeting of each of 2 series, got %v", ms)
			}
			a, b := ms[0].(map[string]any), ms[1].(map[string]any)
			if a["name"] != "Badges Hackfest" || a["date"] != "Dec 01" || a["time"] != "14:30 UTC" || a["location"] != "#fedora-design" {
				t.Errorf("first = %v", a)
			}
			// The series' meeting of Nov 25 is past: the next one is Dec 09.
			if b["name"] != "Design Team Meeting" || b["date"] != "Dec 09" || b["link"] != up.srv.URL+"/calendar/meeting/4201/" {
				t.Errorf("second = %v", b)
			}
		}},
		{"meetings", map[string]any{"calendar": "i18n"}, "/calendar/api/meetings/?calendar=i18n&start=2026-11-28", func(t *testing.T, d map[string]any) {
			if len(d["meetings"].([]any)) != 0 {
				t.Errorf("i18n has no meeting: %v", d)
			}
		}},
		{"workflow.updates2stable", map[string]any{"username": "ralph"}, "/bodhi/updates/?user=ralph&status=testing&rows_per_page=100", func(t *testing.T, d map[string]any) {
			us := d["updates"].([]any)
			if len(us) != 1 {
				t.Fatalf("want only the update that can be pushed and is not requested yet, got %v", us)
			}
			u := us[0].(map[string]any)
			if u["title"] != "python-fedmsg-meta-fedora-infrastructure-0.30.0-1.fc30" || u["karma"].(float64) != 2 ||
				u["package"] != "python-fedmsg-meta-fedora-infrastructure" || u["link"] != "https://bodhi.fedoraproject.org/updates/FEDORA-2026-1a2b3c4d5e" ||
				u["icon"] != "https://apps.fedoraproject.org/packages/images/icons/python-fedmsg-meta-fedora-infrastructure.png" {
				t.Errorf("update = %v", u)
			}
		}},
		{"workflow.pendingacls", map[string]any{"username": "ralph"}, "/pkgdb/api/pendingacls?username=ralph&format=json", func(t *testing.T, d map[string]any) {
			ps := d["pending"].([]any)
			if len(ps) != 2 || ps[0].(map[string]any)["user"] != "grover" || ps[1].(map[string]any)["package"] != "fedmsg" {
				t.Errorf("pending = %v", ps)
			}
		}},
		{"workflow.pendingacls", map[string]any{"username": "duffy"}, "/pkgdb/api/pendingacls?username=duffy&format=json", func(t *testing.T, d map[string]any) {
			if len(d["pending"].([]any)) != 0 {
				t.Errorf("duffy has none: %v", d)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.widget+"/"+fmt.Sprint(c.config), func(t *testing.T) {
			before := len(up.seen())
			raw, err := rt.Data(ctx, runtime.Instance{ID: 1, Name: c.widget, Hub: "h", Config: configJSON(t, c.config)}, runtime.Hub{Name: "h"})
			if err != nil {
				t.Fatal(err)
			}
			if seen := up.seen()[before:]; !slices.Contains(seen, c.request) {
				t.Errorf("requests %v, want %s", seen, c.request)
			}
			var d map[string]any
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatal(err)
			}
			c.check(t, d)
			// The data renders, and the whole page would too.
			if _, err := rt.Template(ctx, runtime.Instance{ID: 1, Name: c.widget, Hub: "h"}, raw); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestUpstreamHostile: recorded answers full of markup go through data() and template()
// and come out as text, with links made harmless.
func TestUpstreamHostile(t *testing.T) {
	up := newUpstreams(t)
	rt := newRuntime(t, nil, up.settings(""))
	ctx := context.Background()
	for _, c := range []struct {
		widget string
		config map[string]any
	}{
		{"badges", map[string]any{"username": "mallory"}},
		{"meetings", map[string]any{"calendar": "evil"}},
		{"workflow.updates2stable", map[string]any{"username": "mallory"}},
		{"workflow.pendingacls", map[string]any{"username": "mallory"}},
	} {
		t.Run(c.widget, func(t *testing.T) {
			inst := runtime.Instance{ID: 1, Name: c.widget, Hub: "h", Config: configJSON(t, c.config)}
			raw, err := rt.Data(ctx, inst, runtime.Hub{Name: "h"})
			if err != nil {
				t.Fatal(err)
			}
			html, err := rt.Template(ctx, inst, raw)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(html, "&lt;script&gt;") && !strings.Contains(html, "&quot;&gt;&lt;") {
				t.Errorf("the hostile strings are not shown as text:\n%s", html)
			}
			if m := unsafeMarkup(html); m != "" {
				t.Errorf("unsafe markup %q in\n%s", m, html)
			}
		})
	}
}

// TestUpstreamFailures: an upstream that errs, answers something else than JSON, or cannot
// be reached makes data() fail with an error naming the service: the page shows it in that
// widget's error panel.
func TestUpstreamFailures(t *testing.T) {
	up := newUpstreams(t)
	ctx := context.Background()
	for _, f := range []struct {
		name     string
		settings map[string]string
		want     string
	}{
		{"HTTP 500", up.settings("/broken"), "answered HTTP 500"},
		{"HTML instead of JSON", up.settings("/html"), "did not answer JSON"},
		{"timeout", up.settings("/slow"), "unreachable"},
		{"connection refused", unreachable(t), "unreachable"},
		{"host not allowed", map[string]string{"badges_url": "https://badges.fedoraproject.org", "fedocal_url": "https://apps.fedoraproject.org/calendar",
			"bodhi_url": "https://bodhi.fedoraproject.org", "pkgdb_url": "https://admin.fedoraproject.org/pkgdb", "packages_url": "https://apps.fedoraproject.org/packages"}, "unreachable"},
		{"setting missing", map[string]string{}, "is not set"},
	} {
		rt := newRuntime(t, nil, f.settings)
		for _, w := range []struct {
			widget, config, service string
		}{
			{"badges", `{"username": "ralph"}`, "badges service"},
			{"meetings", `{"calendar": "design"}`, "calendar service"},
			{"workflow.updates2stable", `{"username": "ralph"}`, "Bodhi"},
			{"workflow.pendingacls", `{"username": "ralph"}`, "pkgdb"},
		} {
			t.Run(f.name+"/"+w.widget, func(t *testing.T) {
				_, err := rt.Data(ctx, runtime.Instance{ID: 1, Name: w.widget, Hub: "h", Config: json.RawMessage(w.config)}, runtime.Hub{Name: "h"})
				if err == nil {
					t.Fatal("data() succeeded")
				}
				if f.name == "timeout" && !strings.Contains(err.Error(), "timed out") && !strings.Contains(err.Error(), "deadline") && !strings.Contains(err.Error(), "Timeout") {
					t.Errorf("error %q does not say it timed out", err)
				}
				if !strings.Contains(err.Error(), f.want) || (f.want != "is not set" && !strings.Contains(err.Error(), w.service)) {
					t.Errorf("error %q does not say %q about %s", err, f.want, w.service)
				}
			})
		}
	}
}

// archiveFixtures archives the real fixture messages on a real database, as the intake
// would (usernames and packages as fedmsg.meta found them), spread over the six weeks before
// clock, newest first; it returns how many name each user.
func archiveFixtures(t testing.TB, st *store.Store) map[string]int {
	t.Helper()
	ctx := context.Background()
	per := map[string]int{}
	for i, fx := range readFixtures(t, busFixtures) {
		var env struct {
			Topic string          `json:"topic"`
			Msg   json.RawMessage `json:"msg"`
		}
		if err := json.Unmarshal(fx.Msg, &env); err != nil {
			t.Fatal(err)
		}
		m := store.Message{
			MsgID: fmt.Sprintf("2026-fixture-%04d", i), Topic: env.Topic, Timestamp: clock.Add(-time.Duration(i) * 3 * time.Hour),
			Category: fedmsg.Category(env.Topic), Msg: env.Msg, Usernames: fx.Expected.Usernames, Packages: fx.Expected.Packages,
		}
		if _, err := st.ArchiveMessage(ctx, m); err != nil {
			t.Fatalf("archive %s: %v", env.Topic, err)
		}
		for _, u := range fx.Expected.Usernames {
			per[u]++
		}
	}
	return per
}

// TestArchiveData runs the widgets that read our own database (the message archive, hubs and
// roles) on a real PostgreSQL filled by store.Populate and the fixture messages.
func TestArchiveData(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	if err := st.Populate(ctx); err != nil {
		t.Fatal(err)
	}
	per := archiveFixtures(t, st)
	host := engine.Host{Store: st}
	rt := newRuntime(t, host, nil)
	data := func(t *testing.T, widget, hub string, config map[string]any) map[string]any {
		t.Helper()
		h, err := host.Hub(ctx, hub)
		if err != nil {
			t.Fatal(err)
		}
		inst := runtime.Instance{ID: 1, Name: widget, Hub: hub, Config: configJSON(t, config)}
		raw, err := rt.Data(ctx, inst, h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rt.Template(ctx, inst, raw); err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	t.Run("fedmsgstats", func(t *testing.T) {
		d := data(t, "fedmsgstats", "ralph", map[string]any{"username": "ralph"})
		if int(d["fedmsgs"].(float64)) != per["ralph"] || per["ralph"] == 0 {
			t.Errorf("fedmsgs = %v, want %d", d["fedmsgs"], per["ralph"])
		}
		if d["subscribers"].(float64) != 0 {
			t.Errorf("subscribers = %v", d["subscribers"])
		}
	})
	t.Run("fedmsgs", func(t *testing.T) {
		d := data(t, "fedmsgs", "ralph", map[string]any{"username": "ralph"})
		sum := 0
		for _, w := range d["weeks"].([]any) {
			week := w.(map[string]any)
			n := 0
			for _, c := range week["counts"].([]any) {
				n += int(c.(float64))
			}
			if n != int(week["total"].(float64)) {
				t.Errorf("week %v: categories add up to %d", week, n)
			}
			sum += n
		}
		// The fixtures span the last 372*3 hours (46 days): all inside twelve weeks.
		if sum != per["ralph"] {
			t.Errorf("weeks add up to %d, want %d", sum, per["ralph"])
		}
		// The services drawn apart are ralph's four most frequent (ties by name), each
		// counted in full over the weeks.
		byCat := map[string]int{}
		for _, fx := range readFixtures(t, busFixtures) {
			var env struct {
				Topic string `json:"topic"`
			}
			if err := json.Unmarshal(fx.Msg, &env); err != nil {
				t.Fatal(err)
			}
			if slices.Contains(fx.Expected.Usernames, "ralph") {
				byCat[fedmsg.Category(env.Topic)]++
			}
		}
		cats := slices.Collect(maps.Keys(byCat))
		slices.SortFunc(cats, func(a, b string) int { return cmp.Or(byCat[b]-byCat[a], strings.Compare(a, b)) })
		want := append(slices.Clone(cats[:min(4, len(cats))]), "other")
		got := d["categories"].([]any)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("categories = %v, want %v (counts %v)", got, want, byCat)
		}
		for k, c := range want[:len(want)-1] {
			n := 0
			for _, w := range d["weeks"].([]any) {
				n += int(w.(map[string]any)["counts"].([]any)[k].(float64))
			}
			if n != byCat[c] {
				t.Errorf("%s: weeks add up to %d, want %d", c, n, byCat[c])
			}
		}
	})
	t.Run("feed", func(t *testing.T) {
		d := data(t, "feed", "ralph", map[string]any{"username": "ralph", "rows": 5})
		es := d["entries"].([]any)
		if len(es) != 5 {
			t.Fatalf("%d entries, want 5", len(es))
		}
		for i, e := range es {
			if e.(map[string]any)["subtitle"] == "" {
				t.Errorf("entry %d has no subtitle", i)
			}
			if i > 0 && e.(map[string]any)["timestamp"].(float64) > es[i-1].(map[string]any)["timestamp"].(float64) {
				t.Errorf("entries not newest first")
			}
		}
		team := data(t, "feed", "designteam", nil) // the hub's owners and members
		if who := team["who"].([]any); len(who) != 6 {
			t.Errorf("designteam feed is about %v, want its 2 owners and 4 members", who)
		}
	})
	t.Run("subscriptions", func(t *testing.T) {
		d := data(t, "subscriptions", "ralph", map[string]any{"username": "ralph"})
		if !slices.Equal(strs(d["memberships"]), []string{"ralph"}) || !slices.Equal(strs(d["subscriptions"]), []string{"designteam", "i18n", "marketing"}) {
			t.Errorf("subscriptions = %v", d)
		}
		d = data(t, "subscriptions", "ralph", map[string]any{"username": "mattdm"})
		if !slices.Equal(strs(d["memberships"]), []string{"marketing", "mattdm"}) || !slices.Equal(strs(d["stars"]), []string{"designteam"}) {
			t.Errorf("mattdm = %v", d)
		}
	})
	t.Run("stats and rules", func(t *testing.T) {
		d := data(t, "stats", "designteam", nil)
		if d["owners"].(float64) != 2 || d["members"].(float64) != 4 || d["subscribers"].(float64) != 1 || d["stargazers"].(float64) != 1 {
			t.Errorf("stats = %v", d)
		}
		r := data(t, "rules", "designteam", map[string]any{"link": "https://fedoraproject.org/wiki/Design"})
		var owners []string
		for _, o := range r["owners"].([]any) {
			owners = append(owners, o.(map[string]any)["name"].(string))
			if !strings.HasPrefix(o.(map[string]any)["avatar"].(string), "https://seccdn.libravatar.org/avatar/") {
				t.Errorf("owner %v has no avatar", o)
			}
		}
		if !slices.Equal(owners, []string{"duffy", "ryanlerch"}) || r["link"] != "https://fedoraproject.org/wiki/Design" || r["minutes_link"] != "" {
			t.Errorf("rules = %v", r)
		}
	})
	t.Run("cobwebs", func(t *testing.T) {
		if d := data(t, "cobwebs", "i18n", nil); d["archived"] != true || d["old"] != true {
			t.Errorf("i18n is archived: %v", d)
		}
		if d := data(t, "cobwebs", "designteam", nil); d["old"] != false {
			t.Errorf("designteam is active: %v", d)
		}
	})
	t.Run("about and avatar", func(t *testing.T) {
		if d := data(t, "about", "marketing", nil); d["text"] != "The Fedora Marketing Team" || d["own"] != false {
			t.Errorf("about without text shows the summary: %v", d)
		}
		if d := data(t, "avatar", "ralph", map[string]any{"username": "ralph"}); d["full_name"] != "Ralph Bean" {
			t.Errorf("avatar = %v", d)
		}
	})
}

// TestPopulatedHubs renders every widget of every hub store.Populate creates, through the
// runtime, with the upstreams at the local servers: no widget fails. With the upstreams
// unreachable, only the four widgets that ask them fail, each saying so.
func TestPopulatedHubs(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	if err := st.Populate(ctx); err != nil {
		t.Fatal(err)
	}
	archiveFixtures(t, st)
	host := engine.Host{Store: st}
	up := newUpstreams(t)
	upstreamWidgets := []string{"badges", "meetings", "workflow.pendingacls", "workflow.updates2stable"}
	hubs, err := st.ListHubs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hubs) != 15 {
		t.Fatalf("%d hubs populated, want 15", len(hubs))
	}
	for _, mode := range []struct {
		name     string
		settings map[string]string
	}{{"upstreams up", up.settings("")}, {"upstreams unreachable", unreachable(t)}} {
		rt := newRuntime(t, host, mode.settings)
		t.Run(mode.name, func(t *testing.T) {
			rendered := 0
			for _, hb := range hubs {
				h, err := host.Hub(ctx, hb.Name)
				if err != nil {
					t.Fatal(err)
				}
				ws, err := st.ListWidgets(ctx, hb.Name)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range ws {
					inst := runtime.Instance{ID: w.ID, Name: w.Name, Hub: w.Hub, Config: w.Config}
					raw, err := rt.Data(ctx, inst, h)
					if err == nil {
						_, err = rt.Template(ctx, inst, raw)
					}
					upstream := slices.Contains(upstreamWidgets, w.Name)
					switch {
					case err == nil && mode.name == "upstreams unreachable" && upstream:
						t.Errorf("%s/%s worked without its upstream", hb.Name, w.Name)
					case err != nil && !(upstream && mode.name == "upstreams unreachable"):
						t.Errorf("%s/%s: %v", hb.Name, w.Name, err)
					case err != nil && !strings.Contains(err.Error(), "unreachable"):
						t.Errorf("%s/%s: the error does not say the upstream is unreachable: %v", hb.Name, w.Name, err)
					}
					rendered++
				}
			}
			if rendered != 12*7+3*7 {
				t.Errorf("%d widgets, want %d", rendered, 12*7+3*7)
			}
		})
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
