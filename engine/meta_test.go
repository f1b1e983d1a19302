package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"hubs/fedmsg"
	"hubs/store"
)

// fixtureRecord is one line of the shared fixtures: a real bus message and what
// fedmsg.meta derives from it.
type fixtureRecord struct {
	Topic    string          `json:"topic"`
	Msg      json.RawMessage `json:"msg"`
	Expected struct {
		Usernames *[]string `json:"usernames"`
		Packages  *[]string `json:"packages"`
	} `json:"expected"`
}

const fixtures = "../testdata/fedmsg/meta_examples.jsonl"

func readFixtures(t testing.TB) []fixtureRecord {
	t.Helper()
	f, err := os.Open(fixtures)
	if err != nil {
		t.Fatalf("fixtures: %v", err)
	}
	defer f.Close()
	var out []fixtureRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r fixtureRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// Meta runs the widgets' own lib/meta.js: on the real messages whose expected usernames
// and packages the original suite checks, it finds them.
func TestMetaExtract(t *testing.T) {
	ctx := context.Background()
	m, err := NewMeta(ctx, "../widgets", helpersJS(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	checked, matched := 0, 0
	for _, r := range readFixtures(t) {
		if r.Expected.Usernames == nil || r.Expected.Packages == nil {
			continue
		}
		env, err := fedmsg.Parse([][]byte{[]byte(r.Topic), r.Msg})
		if err != nil {
			continue // a fixture the intake would refuse
		}
		users, pkgs, err := m.Extract(ctx, env)
		if err != nil {
			t.Fatalf("%s: %v", r.Topic, err)
		}
		checked++
		if slices.Equal(users, *r.Expected.Usernames) || (len(users) == 0 && len(*r.Expected.Usernames) == 0) {
			if slices.Equal(pkgs, *r.Expected.Packages) || (len(pkgs) == 0 && len(*r.Expected.Packages) == 0) {
				matched++
			}
		}
	}
	t.Logf("usernames and packages right for %d of %d checked messages", matched, checked)
	if checked < 100 || matched*100 < checked*95 {
		t.Fatalf("meta.js through the engine: %d of %d right", matched, checked)
	}
}

// Receive of a message that comes without usernames (the intake's WithExtractor(nil), as
// serve runs it): the runtime's fedmsg.meta finds its people and packages in the batch
// that asks the widgets, the archive keeps them, and the hint index matches on them
// before the rebuild reads the archive. A fedmsg.meta that throws falls back to the
// default extractor's fields, counted as a meta error; nothing is lost.
func TestReceiveRunsFedmsgMeta(t *testing.T) {
	var ws []store.Widget
	h := newHarness(t, func(st *store.Store) {
		ws = mustHub(t, st, "alice", store.NewWidget{Name: "activity", Column: store.ColumnLeft, Config: map[string]any{"username": "alice"}})
	})
	ctx := context.Background()
	lib := `export function usernames(env) {
  if (env.msg.metaboom) throw new Error("meta boom");
  return env.msg.people || [];
}
export function packages(env) { return env.msg.pkgs || []; }
`
	if err := os.WriteFile(filepath.Join(h.dir, "lib", "meta.js"), []byte(lib), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.rt.LoadMeta(ctx, h.dir); err != nil {
		t.Fatal(err)
	}
	id := ws[0].ID
	if _, err := h.e.Data(ctx, id); err != nil {
		t.Fatal(err)
	}
	sub := h.e.Subscribe("alice", 0)
	defer sub.Close()
	count := func(q store.GrepQuery) int {
		n, err := h.st.CountMessages(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	metaCalls := func() float64 { return value(h.e.metrics.JSCalls.WithLabelValues(fnMeta)) }
	metaErrors := func() float64 { return value(h.e.metrics.JSErrors.WithLabelValues(fnMeta)) }

	// The default extractor would name alice alone (msg.user) and no package.
	m1 := testMessage("alice", 1, map[string]any{"people": []string{"alice", "dave"}, "pkgs": []string{"kernel"}})
	m1.Usernames = nil
	if err := h.e.Receive(ctx, m1); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m1.Usernames, []string{"alice", "dave"}) || !slices.Equal(m1.Packages, []string{"kernel"}) {
		t.Errorf("meta found %v %v, want [alice dave] [kernel]", m1.Usernames, m1.Packages)
	}
	if n, k := count(store.GrepQuery{Usernames: []string{"dave"}}), count(store.GrepQuery{Packages: []string{"kernel"}}); n != 1 || k != 1 {
		t.Errorf("archived with dave %d times, kernel %d times; want 1 and 1", n, k)
	}
	u := next(t, sub, func(u Update) bool { return u.Kind == KindData && u.WidgetID == id })
	if got := decode(t, u.Data)["last"]; got != m1.MsgID {
		t.Errorf("rebuilt data shows %v, want the received message %s (archived before the rebuild)", got, m1.MsgID)
	}
	if metaCalls() != 1 || metaErrors() != 0 {
		t.Errorf("meta calls %v, errors %v; want 1, 0", metaCalls(), metaErrors())
	}

	m2 := testMessage("alice", 2, map[string]any{"metaboom": true, "people": []string{"erin"}})
	m2.Usernames = nil
	if err := h.e.Receive(ctx, m2); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m2.Usernames, []string{"alice"}) {
		t.Errorf("after meta threw: usernames %v, want the default extractor's [alice]", m2.Usernames)
	}
	if metaErrors() != 1 {
		t.Errorf("meta errors %v, want 1", metaErrors())
	}
	if n := count(store.GrepQuery{Usernames: []string{"alice"}}); n != 2 {
		t.Errorf("%d messages archived naming alice, want 2", n)
	}
	u = next(t, sub, func(u Update) bool { return u.Kind == KindData && u.WidgetID == id })
	if got := decode(t, u.Data)["last"]; got != m2.MsgID {
		t.Errorf("rebuilt data shows %v, want %s", got, m2.MsgID)
	}

	// A message the runtime cannot make a view of (nested deeper than its JSON builder
	// goes) is still archived, with the default extractor's usernames; the error says why.
	m3 := testMessage("alice", 3, map[string]any{"deep": json.RawMessage(strings.Repeat("[", 600) + strings.Repeat("]", 600))})
	m3.Usernames = nil
	m3.Body, _ = m3.MarshalJSON()
	if err := h.e.Receive(ctx, m3); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Errorf("Receive of a too deep message: %v, want the runtime's refusal", err)
	}
	if n := count(store.GrepQuery{Usernames: []string{"alice"}}); n != 3 {
		t.Errorf("%d messages archived naming alice, want 3: the deep one is lost", n)
	}
}
