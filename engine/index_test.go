package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"hubs/fedmsg"
	"hubs/runtime"
	"hubs/store"
)

// The hint index ANDs an instance's hints: topics, categories and usernames are each a
// constraint when declared. The engine's own hubs.* messages reach every instance on their
// hub that their topic and category let through, whatever its usernames, and the
// instances anywhere whose usernames hint names one of theirs.
func TestIndexCandidates(t *testing.T) {
	x := newIndex()
	x.put(1, "a", "w1", runtime.Hints{Topics: []string{"bodhi.update.comment"}, Usernames: []string{"ralph"}})
	x.put(2, "a", "w2", runtime.Hints{Usernames: []string{"ralph", "kalev"}})
	x.put(3, "b", "w3", runtime.Hints{Topics: []string{"pkgdb.acl.update"}})
	x.put(4, "b", "w4", runtime.Hints{Categories: []string{"fedocal", "hubs"}})
	x.put(5, "c", "w5", runtime.Hints{})
	x.put(6, "c", "w6", runtime.Hints{Topics: []string{"hubs.widget.update", "hubs.hub.update"}, Usernames: []string{"duffy"}})
	x.put(7, "a", "w7", runtime.Hints{Topics: []string{"bodhi.update.comment"}, Categories: []string{"buildsys"}})

	cases := []struct {
		name      string
		topic     string
		category  string
		usernames []string
		onlyHub   string
		want      []int64
	}{
		{"topic and user match", "bodhi.update.comment", "bodhi", []string{"ralph"}, "", []int64{1, 2, 5}},
		{"topic without the user", "bodhi.update.comment", "bodhi", []string{"duffy"}, "", []int64{5}},
		{"user on another topic", "pkgdb.acl.update", "pkgdb", []string{"kalev"}, "", []int64{2, 3, 5}},
		{"category, nobody named", "fedocal.meeting.new", "fedocal", nil, "", []int64{4, 5}},
		{"no hint matches", "koji.build.new", "koji", []string{"nobody"}, "", []int64{5}},
		{"own message: hub's instances, usernames ignored", "hubs.widget.update", "hubs", []string{}, "a", []int64{2}},
		{"own message naming a person elsewhere", "hubs.hub.update", "hubs", []string{"duffy"}, "b", []int64{4, 6}},
		{"own message: topic and hint-less", "hubs.widget.update", "hubs", []string{}, "c", []int64{5, 6}},
		{"own message: topic excludes the named person's", "hubs.other", "hubs", []string{"duffy"}, "b", []int64{4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := x.candidates(c.topic, c.category, c.usernames, nil, c.onlyHub, nil)
			if !slices.Equal(got, c.want) {
				t.Errorf("candidates = %v, want %v", got, c.want)
			}
		})
	}

	t.Run("a widget naming a message's people itself", func(t *testing.T) {
		x.put(8, "d", "owner", runtime.Hints{Topics: []string{"bodhi.update.comment"}, Usernames: []string{"kalev"}, MessageUsernames: true})
		defer x.remove(8)
		if got := x.ownUsersWidgets("bodhi.update.comment", "bodhi", nil); !slices.Equal(got, []string{"owner"}) {
			t.Errorf("ownUsersWidgets = %v, want [owner]", got)
		}
		if got := x.ownUsersWidgets("pkgdb.acl.update", "pkgdb", nil); len(got) != 0 {
			t.Errorf("ownUsersWidgets for a topic it does not hint = %v", got)
		}
		// meta names the commenter (ralph); the widget names the update's owner (kalev).
		own := map[string][]string{"owner": {"kalev"}}
		if got := x.candidates("bodhi.update.comment", "bodhi", []string{"ralph"}, own, "", nil); !slices.Equal(got, []int64{1, 2, 5, 8}) {
			t.Errorf("candidates = %v, want [1 2 5 8]", got)
		}
		// Its own answer replaces meta's: the commenter's instance of it is no candidate.
		x.put(9, "e", "owner", runtime.Hints{Topics: []string{"bodhi.update.comment"}, Usernames: []string{"ralph"}, MessageUsernames: true})
		if got := x.candidates("bodhi.update.comment", "bodhi", []string{"ralph"}, own, "", nil); !slices.Equal(got, []int64{1, 2, 5, 8}) {
			t.Errorf("candidates = %v, want [1 2 5 8] (9 hints ralph, whom the widget does not name)", got)
		}
		// Without its answer (its function failed), meta's usernames apply.
		if got := x.candidates("bodhi.update.comment", "bodhi", []string{"ralph"}, nil, "", nil); !slices.Equal(got, []int64{1, 2, 5, 9}) {
			t.Errorf("candidates = %v, want [1 2 5 9]", got)
		}
		x.remove(9)
		x.remove(8)
		if len(x.ownUsers) != 0 {
			t.Errorf("ownUsers after removing its instances: %v", x.ownUsers)
		}
	})

	t.Run("re-put and remove", func(t *testing.T) {
		x.put(1, "a", "w1", runtime.Hints{Categories: []string{"bodhi"}})
		x.remove(2)
		x.remove(5)
		if got := x.candidates("bodhi.update.comment", "bodhi", []string{"kalev"}, nil, "", nil); !slices.Equal(got, []int64{1}) {
			t.Errorf("candidates = %v, want [1]", got)
		}
		if got := x.candidates("hubs.widget.update", "hubs", nil, nil, "a", nil); len(got) != 0 {
			t.Errorf("hub a's own message reached %v, want none", got)
		}
		kalev, _ := x.strs.lookup("kalev")
		a, _ := x.strs.lookup("a")
		if x.len() != 5 || x.byUser[kalev].len() != 0 || x.noHints.len() != 0 || x.byHub[a].len() != 2 {
			t.Errorf("index after removals: %d entries, byUser %v, noHints %v, byHub %v", x.len(), x.byUser, x.noHints, x.byHub)
		}
	})

	t.Run("everything removed leaves nothing behind", func(t *testing.T) {
		// A repeated username, and two instances sharing one hint set.
		x.put(10, "e", "w1", runtime.Hints{Usernames: []string{"ralph", "ralph"}})
		x.put(11, "e", "w2", runtime.Hints{Usernames: []string{"ralph"}})
		if got := x.candidates("koji.build.new", "koji", []string{"ralph"}, nil, "", nil); !slices.Equal(got, []int64{10, 11}) {
			t.Errorf("candidates = %v, want [10 11]", got)
		}
		if x.sets.sets[x.entries[10].hints].refs != 2 {
			t.Errorf("instances 10 and 11 do not share their hint set: %+v", x.entries)
		}
		for id := range int64(12) {
			x.remove(id)
		}
		if x.len() != 0 || len(x.byUser)+len(x.byHub)+len(x.byTopic)+len(x.byCategory)+x.noHints.len()+len(x.ownUsers) != 0 {
			t.Errorf("index not empty: byUser %v, byHub %v, byTopic %v, byCategory %v, noHints %v, ownUsers %v",
				x.byUser, x.byHub, x.byTopic, x.byCategory, x.noHints, x.ownUsers)
		}
		if len(x.strs.ids) != 0 || len(x.sets.byKey) != 0 {
			t.Errorf("strings %v and hint sets %d still referenced", x.strs.ids, len(x.sets.byKey))
		}
		// Numbers are reused, and a reused set is the new one.
		x.put(1, "f", "w9", runtime.Hints{Topics: []string{"koji.build.new"}})
		if got := x.candidates("koji.build.new", "koji", nil, nil, "", nil); !slices.Equal(got, []int64{1}) {
			t.Errorf("after reuse: candidates = %v, want [1]", got)
		}
		if got := x.candidates("bodhi.update.comment", "bodhi", []string{"ralph"}, nil, "", nil); len(got) != 0 {
			t.Errorf("after reuse: ralph's message reached %v", got)
		}
	})
}

// TestHintsSweep checks the repository's widgets against the hint index: on the 372 real
// fixture messages and on the engine's own hubs.* messages, every instance whose
// shouldInvalidate says true is a candidate (their hints never hide a message they want),
// with every instance asked, candidate or not.
func TestHintsSweep(t *testing.T) {
	ctx := context.Background()
	// Generous limits: this is about hints, and -race on a shared machine is slow.
	rt, err := runtime.New(runtime.WithHelpers(helpersJS(t)),
		runtime.WithLimits(runtime.Limits{Invalidate: 10 * time.Second, Load: 30 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.LoadDir(ctx, "../widgets"); err != nil {
		t.Fatal(err)
	}
	meta, err := NewMeta(ctx, "../widgets", helpersJS(t), 1)
	if err != nil {
		t.Fatal(err)
	}

	// The fixture messages' people with a user hub in the default layout, plus one feed per
	// user hub without a username (it follows the hub's person), and the demo team hubs.
	var insts []runtime.Instance
	place := func(hub, name string, config map[string]any) {
		insts = append(insts, runtime.Instance{ID: int64(len(insts) + 1), Name: name, Hub: hub, Config: configJSON(t, config)})
	}
	users := []string{"ralph", "lmacken", "kalev", "duffy", "grover", "hadess", "puiterwijk", "pingou"}
	for _, u := range users {
		for _, w := range store.UserLayout(u) {
			place(u, w.Name, w.Config)
		}
		place(u, "feed", map[string]any{})
		place(u, "avatar", map[string]any{"username": u})
	}
	for _, team := range []struct{ hub, calendar string }{{"designteam", "awesome"}, {"marketing", "marketing"}} {
		for _, w := range store.TeamLayout(store.TeamRules{Link: "https://example.org/"}, team.calendar, "hello") {
			place(team.hub, w.Name, w.Config)
		}
	}
	x := newIndex()
	for _, inst := range insts {
		h, err := rt.Hints(ctx, inst)
		if err != nil {
			t.Fatal(err)
		}
		x.put(inst.ID, inst.Hub, inst.Name, h)
	}

	type message struct {
		name    string
		env     *fedmsg.Envelope
		onlyHub string
	}
	var msgs []message
	for _, r := range readFixtures(t) {
		env, err := fedmsg.Parse([][]byte{[]byte(r.Topic), r.Msg})
		if err != nil {
			continue // the few fixtures that are not valid bus frames
		}
		if env.Usernames, env.Packages, err = meta.Extract(ctx, env); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, message{name: r.Topic, env: env})
	}
	internal := func(what, hub string, msg map[string]any, usernames []string) {
		env, err := internalEnvelope("org.fedoraproject.prod", what, msg, usernames, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, message{name: fmt.Sprintf("hubs.%s on %s %v", what, hub, usernames), env: env, onlyHub: hub})
	}
	for _, inst := range insts {
		widget := map[string]any{"id": inst.ID, "hub": inst.Hub, "name": inst.Name, "config": inst.Config}
		internal("widget.update", inst.Hub, map[string]any{"widget": widget, "hub": map[string]any{"name": inst.Hub}}, nil)
	}
	for _, hub := range []string{"ralph", "designteam"} {
		internal("hub.update", hub, map[string]any{"hub": map[string]any{"name": hub}}, nil)
		for _, u := range []string{"ralph", "duffy"} {
			role := map[string]any{"username": u, "role": "subscriber", "removed": false}
			internal("hub.update", hub, map[string]any{"hub": map[string]any{"name": hub}, "role": role}, []string{u})
		}
	}

	wanted, candidates := 0, 0
	for _, m := range msgs {
		body := m.env.Body
		if len(body) == 0 {
			if body, err = m.env.MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		}
		// The people each widget with hints.messageUsernames names, as the engine asks.
		batch, err := rt.Message(ctx, body)
		if err != nil {
			t.Fatal(err)
		}
		own := map[string][]string{}
		for _, name := range x.ownUsersWidgets(m.env.ShortTopic(), m.env.Category(), nil) {
			names, ok, err := batch.MessageUsernames(name)
			if err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
			if ok {
				own[name] = names
			}
		}
		batch.Close()
		ids := x.candidates(m.env.ShortTopic(), m.env.Category(), m.env.Usernames, own, m.onlyHub, nil)
		candidates += len(ids)
		verdicts, err := rt.Invalidations(ctx, body, insts, nil)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		for i, yes := range verdicts {
			if !yes {
				continue
			}
			wanted++
			if _, found := slices.BinarySearch(ids, insts[i].ID); !found {
				t.Errorf("%s: %s on %s (config %s) wants it but is no candidate", m.name, insts[i].Name, insts[i].Hub, insts[i].Config)
			}
		}
	}
	t.Logf("%d messages, %d instances: %d invalidations wanted, %d candidates in all", len(msgs), len(insts), wanted, candidates)
	if wanted < 200 {
		t.Errorf("only %d invalidations wanted: the sweep no longer tests much", wanted)
	}
}

func configJSON(t testing.TB, config map[string]any) json.RawMessage {
	t.Helper()
	if config == nil {
		return json.RawMessage(`{}`)
	}
	b, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The index against a model of its rule: after each of thousands of random puts and removes
// (repeated and empty strings included), every query's candidates are what checking every
// instance against the rule gives, and every interned string and hint set is referenced as
// often as the instances indexed say.
func TestIndexAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(from []string, max int) []string {
		var out []string
		for range rng.IntN(max + 1) {
			out = append(out, from[rng.IntN(len(from))])
		}
		return out
	}
	hubs := []string{"a", "b", "c", "ralph"}
	names := []string{"feed", "badges", "owner"}
	people := []string{"ralph", "kalev", "duffy", ""}
	topics := []string{"bodhi.update.comment", "hubs.widget.update", "koji.build.new", ""}
	categories := []string{"bodhi", "hubs", "koji"}
	type placed struct {
		hub, name string
		hints     runtime.Hints
	}
	model := map[int64]placed{}
	x := newIndex()
	for step := range 4000 {
		id := int64(rng.IntN(400))
		if rng.IntN(4) == 0 {
			x.remove(id)
			delete(model, id)
		} else {
			p := placed{hubs[rng.IntN(len(hubs))], names[rng.IntN(len(names))], runtime.Hints{
				Topics: pick(topics, 2), Categories: pick(categories, 1), Usernames: pick(people, 3)}}
			p.hints.MessageUsernames = p.name == "owner"
			x.put(id, p.hub, p.name, p.hints)
			model[id] = p
		}

		topic, category := topics[rng.IntN(len(topics))], categories[rng.IntN(len(categories))]
		usernames := pick(people, 2)
		var own map[string][]string
		if rng.IntN(2) == 0 {
			own = map[string][]string{"owner": pick(people, 2)}
		}
		onlyHub := ""
		if rng.IntN(3) == 0 {
			onlyHub = hubs[rng.IntN(len(hubs))]
		}
		var want []int64
		for id, p := range model {
			us := usernames
			if o, ok := own[p.name]; ok {
				us = o
			}
			byUser := len(p.hints.Usernames) > 0 && matches(p.hints, topic, category, us, false)
			if onlyHub == "" && matches(p.hints, topic, category, us, false) ||
				onlyHub != "" && (p.hub == onlyHub && matches(p.hints, topic, category, nil, true) || byUser) {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		if got := x.candidates(topic, category, usernames, own, onlyHub, nil); !slices.Equal(got, want) {
			t.Fatalf("step %d: candidates(%q, %q, %q, own %q, hub %q) = %v, want %v", step, topic, category, usernames, own, onlyHub, got, want)
		}

		// References, counted again from what is indexed.
		strRefs, setRefs := map[uint32]int32{}, map[uint32]int32{}
		for _, e := range x.entries {
			strRefs[e.hub]++
			strRefs[e.name]++
			setRefs[e.hints]++
		}
		for id, n := range setRefs {
			if got := x.sets.sets[id].refs; got != n {
				t.Fatalf("step %d: hint set %d has %d references, %d instances use it", step, id, got, n)
			}
			for _, s := range x.sets.sets[id].ids {
				strRefs[s]++
			}
		}
		if len(setRefs) != len(x.sets.byKey) {
			t.Fatalf("step %d: %d hint sets kept, %d in use", step, len(x.sets.byKey), len(setRefs))
		}
		for id, n := range strRefs {
			if got := x.strs.refs[id]; got != n {
				t.Fatalf("step %d: string %q has %d references, want %d", step, x.strs.str(id), got, n)
			}
		}
		if len(strRefs) != len(x.strs.ids) {
			t.Fatalf("step %d: %d strings interned, %d in use", step, len(x.strs.ids), len(strRefs))
		}
	}
}
