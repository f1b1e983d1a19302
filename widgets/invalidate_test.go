package widgets_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"hubs/runtime"
)

// TestShouldInvalidate runs each widget's shouldInvalidate on real bus messages
// (busFixtures, testdata/badge_award.jsonl) and on messages shaped like the engine's
// own, for configs they concern and configs they do not.
func TestShouldInvalidate(t *testing.T) {
	rt := newRuntime(t, nil, nil)
	fixtures := readFixtures(t, busFixtures)
	award := readFixtures(t, "badge_award.jsonl")[0].Msg // awards "Something on your mind" to ralph
	real := func(suffix string) []byte { return fixtureOn(t, fixtures, suffix).Msg }
	comment := real(".bodhi.update.comment") // kalev comments on kalev's update, no stable giveaway
	acl := real(".pkgdb.acl.update")         // ralph asks watchbugzilla on grover's python-sh
	meeting := real(".fedocal.meeting.update")
	widgetUpdate := func(id int) []byte {
		return hubsMessage(t, "widget.update", map[string]any{"widget": map[string]any{"id": id, "hub": "designteam", "name": "sticky"}, "hub": map[string]any{"name": "designteam"}})
	}
	hubUpdate := func(hub string) []byte {
		return hubsMessage(t, "hub.update", map[string]any{"hub": map[string]any{"name": hub}})
	}
	roleUpdate := func(hub, user string) []byte {
		return hubsMessage(t, "hub.update", map[string]any{"hub": map[string]any{"name": hub}, "role": map[string]any{"username": user, "role": "subscriber", "removed": false}})
	}
	// A real Bodhi 2 comment by the bodhi bot on kalev's update saying it may go to stable:
	// the fixture comment with Bodhi's own text (the fixtures hold no such comment).
	pushable := withComment(t, comment, "bodhi", "This update has reached 3 karma and can be pushed to stable now if the maintainer wishes")

	type check struct {
		name    string
		message []byte
		config  map[string]any
		hub     string
		want    bool
	}
	cases := map[string][]check{
		"about": {
			{"own config saved", widgetUpdate(7), nil, "designteam", true},
			{"another widget's config", widgetUpdate(8), nil, "designteam", false},
			{"hub summary changed", hubUpdate("designteam"), nil, "designteam", true},
			{"another hub", hubUpdate("marketing"), nil, "designteam", false},
			{"a bus message", comment, nil, "designteam", false},
		},
		"avatar": {
			{"own config", widgetUpdate(7), map[string]any{"username": "ralph"}, "ralph", true},
			{"other config", widgetUpdate(9), map[string]any{"username": "ralph"}, "ralph", false},
			{"a bus message about the user", award, map[string]any{"username": "ralph"}, "ralph", false},
		},
		"badges": {
			{"award to the user", award, map[string]any{"username": "ralph"}, "ralph", true},
			{"award to someone else", award, map[string]any{"username": "kalev"}, "kalev", false},
			{"other fedbadges topic", real(".fedbadges.person.rank.advance"), map[string]any{"username": "ralph"}, "ralph", false},
			{"own config", widgetUpdate(7), map[string]any{"username": "ralph"}, "ralph", true},
		},
		"cobwebs": {
			{"hub archived", hubUpdate("i18n"), nil, "i18n", true},
			{"another hub", hubUpdate("marketing"), nil, "i18n", false},
			{"the user hub's person is active", acl, nil, "ralph", true},
			{"someone else is active", acl, nil, "duffy", false},
			{"config saved (no config)", widgetUpdate(7), nil, "i18n", false},
		},
		"dummy": {
			{"own config", widgetUpdate(7), nil, "designteam", true},
			{"other config", widgetUpdate(3), nil, "designteam", false},
			{"hub update", hubUpdate("designteam"), nil, "designteam", false},
		},
		"fedmsgs": {
			{"message naming the user", acl, map[string]any{"username": "ralph"}, "ralph", true},
			{"message naming others", acl, map[string]any{"username": "duffy"}, "duffy", false},
			{"own config", widgetUpdate(7), map[string]any{"username": "duffy"}, "duffy", true},
			{"hub update is not activity", hubUpdate("ralph"), map[string]any{"username": "ralph"}, "ralph", false},
		},
		"fedmsgstats": {
			{"message of the user", comment, map[string]any{"username": "kalev"}, "kalev", true},
			{"message of others", comment, map[string]any{"username": "ralph"}, "ralph", false},
			{"subscribers changed", roleUpdate("ralph", "duffy"), map[string]any{"username": "ralph"}, "ralph", true},
			{"another hub's subscribers", roleUpdate("duffy", "ralph"), map[string]any{"username": "ralph"}, "ralph", false},
		},
		"feed": {
			{"message about the user", acl, map[string]any{"username": "ralph"}, "ralph", true},
			{"message about others", acl, map[string]any{"username": "duffy"}, "duffy", false},
			{"hub mode on a user hub", comment, map[string]any{}, "kalev", true},
			{"hub mode, people changed", roleUpdate("designteam", "duffy"), map[string]any{}, "designteam", true},
			{"user mode ignores hub people", roleUpdate("ralph", "duffy"), map[string]any{"username": "ralph"}, "ralph", false},
		},
		"meetings": {
			{"meeting of the calendar", meeting, map[string]any{"calendar": "awesome"}, "designteam", true},
			{"meeting of another calendar", meeting, map[string]any{"calendar": "design"}, "designteam", false},
			{"calendar cleared", real(".fedocal.calendar.clear"), map[string]any{"calendar": calendarOf(t, real(".fedocal.calendar.clear"))}, "designteam", true},
			{"not fedocal", acl, map[string]any{"calendar": "awesome"}, "designteam", false},
			{"own config", widgetUpdate(7), map[string]any{"calendar": "design"}, "designteam", true},
		},
		"rules": {
			{"owners may have changed", roleUpdate("designteam", "duffy"), map[string]any{}, "designteam", true},
			{"another hub", hubUpdate("marketing"), map[string]any{}, "designteam", false},
			{"own config", widgetUpdate(7), map[string]any{}, "designteam", true},
			{"a bus message", meeting, map[string]any{}, "designteam", false},
		},
		"stats": {
			{"this hub", roleUpdate("designteam", "mattdm"), nil, "designteam", true},
			{"another hub", roleUpdate("marketing", "mattdm"), nil, "designteam", false},
			{"a bus message", acl, nil, "designteam", false},
		},
		"sticky": {
			{"own config", widgetUpdate(7), map[string]any{"text": "x"}, "designteam", true},
			{"other config", widgetUpdate(70), map[string]any{"text": "x"}, "designteam", false},
		},
		"subscriptions": {
			{"the user's role changed", roleUpdate("designteam", "ralph"), map[string]any{"username": "ralph"}, "ralph", true},
			{"someone else's role", roleUpdate("designteam", "duffy"), map[string]any{"username": "ralph"}, "ralph", false},
			{"hub changed without roles", hubUpdate("designteam"), map[string]any{"username": "ralph"}, "ralph", false},
			{"a bus message about the user", acl, map[string]any{"username": "ralph"}, "ralph", false},
		},
		"workflow.pendingacls": {
			{"request on the user's package", acl, map[string]any{"username": "grover"}, "grover", true},
			{"the user's own request", acl, map[string]any{"username": "ralph"}, "ralph", true},
			{"nothing of the user", acl, map[string]any{"username": "duffy"}, "duffy", false},
			{"other pkgdb topic", real(".pkgdb.acl.delete"), map[string]any{"username": "grover"}, "grover", false},
		},
		"workflow.updates2stable": {
			{"bodhi says the user's update can go", pushable, map[string]any{"username": "kalev"}, "kalev", true},
			{"a plain comment", comment, map[string]any{"username": "kalev"}, "kalev", false},
			{"someone else's update", pushable, map[string]any{"username": "ralph"}, "ralph", false},
			{"own config", widgetUpdate(7), map[string]any{"username": "ralph"}, "ralph", true},
		},
	}
	ctx := context.Background()
	for _, name := range allWidgets {
		if len(cases[name]) == 0 {
			t.Errorf("%s: no shouldInvalidate case", name)
		}
		for _, c := range cases[name] {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				inst := runtime.Instance{ID: 7, Name: name, Hub: c.hub, Config: configJSON(t, c.config)}
				got, err := rt.Invalidations(ctx, c.message, []runtime.Instance{inst}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got[0] != c.want {
					t.Errorf("shouldInvalidate = %v, want %v", got[0], c.want)
				}
			})
		}
	}
}

// TestInvalidatedByUsername sweeps all 372 real messages: fedmsgs, fedmsgstats and feed of
// a user say true exactly for the messages whose usernames (as fedmsg.meta found them, the
// fixture's expectation) include that user.
func TestInvalidatedByUsername(t *testing.T) {
	rt := newRuntime(t, nil, nil)
	ctx := context.Background()
	users := []string{"ralph", "lmacken", "kalev", "duffy"}
	hits, unresolved := 0, 0
	for _, fx := range readFixtures(t, busFixtures) {
		if fx.Expected.Usernames == nil || strings.Contains(string(fx.Msg), "<<dynamic") {
			continue // the fixture does not state its usernames
		}
		var insts []runtime.Instance
		for _, u := range users {
			for _, w := range []string{"fedmsgs", "fedmsgstats", "feed"} {
				insts = append(insts, runtime.Instance{ID: 1, Name: w, Hub: u, Config: configJSON(t, map[string]any{"username": u})})
			}
		}
		got, err := rt.Invalidations(ctx, fx.Msg, insts, nil)
		if err != nil {
			t.Fatalf("%s: %v", fx.Topic, err)
		}
		for i, inst := range insts {
			want := slices.Contains(fx.Expected.Usernames, inst.Hub)
			switch {
			case got[i] == want:
				if want {
					hits++
				}
			case want && !strings.Contains(string(fx.Msg), `"`+inst.Hub+`"`):
				// The message names the person by IRC nick or e-mail only; fedmsg.meta
				// resolves those through an accounts table (setAccounts) that the server
				// does not install, so neither the engine's hint index nor the widget sees
				// them. Counted, not failed.
				unresolved++
			default:
				t.Errorf("%s %s for %s = %v, want %v (usernames %v)", fx.Topic, inst.Name, inst.Hub, got[i], want, fx.Expected.Usernames)
			}
		}
	}
	t.Logf("%d invalidations as expected; %d for people named only by nick or e-mail", hits, unresolved)
	if hits < 100 || unresolved > hits/10 {
		t.Errorf("%d hits, %d unresolved: the sweep no longer tests much", hits, unresolved)
	}
}

// withComment returns a bodhi.update.comment envelope with the comment's author and text
// replaced.
func withComment(t testing.TB, envelope []byte, user, text string) []byte {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(envelope, &env); err != nil {
		t.Fatal(err)
	}
	c := env["msg"].(map[string]any)["comment"].(map[string]any)
	c["text"] = text
	c["author"] = user
	c["user"] = map[string]any{"name": user}
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func calendarOf(t testing.TB, envelope []byte) string {
	t.Helper()
	var env struct {
		Msg struct {
			Calendar struct {
				Name string `json:"calendar_name"`
			} `json:"calendar"`
		} `json:"msg"`
	}
	if err := json.Unmarshal(envelope, &env); err != nil || env.Msg.Calendar.Name == "" {
		t.Fatalf("no calendar in %s", envelope)
	}
	return env.Msg.Calendar.Name
}
