package runtime_test

// Tests of the memo through which conglomerate() (widgets/lib/meta.js)
// reuses meta()'s answer for a message it met in an earlier call of the same
// evaluation of lib/meta.js: a feed rebuild describes only the messages new
// since the last one. Run through the real runtime, where a widget's imports
// (lib/meta.js and its memo) are evaluated once per widget version and
// runtime and shared by its instances' data() calls.

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"hubs/runtime"
)

const memoWidget = "metamemo"

// memoRuntime loads testdata/meta/metamemo.js beside a copy of widgets/lib's
// meta files (see libRuntime).
func memoRuntime(t testing.TB, opts ...runtime.Option) *runtime.Runtime {
	t.Helper()
	return libRuntime(t, "testdata/meta/"+memoWidget+".js", memoWidget, opts...)
}

// callMemo runs the memo widget's data() for instance id (one evaluation of
// the widget file per id, one of lib/meta.js for them all) and decodes its
// result into out.
func callMemo(t testing.TB, r *runtime.Runtime, id int64, config any, out any) {
	t.Helper()
	cfg, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Data(context.Background(), runtime.Instance{ID: id, Name: memoWidget, Hub: "test", Config: cfg}, runtime.Hub{Name: "test"})
	if err != nil {
		t.Fatalf("memo widget data(): %v", err)
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("memo widget result: %v", err)
	}
}

// entries is conglomerate()'s output for one list of envelopes, decoded.
type entries = []map[string]any

// conglomerateIn runs conglomerate(envs) in instance id's module.
func conglomerateIn(t testing.TB, r *runtime.Runtime, id int64, envs []json.RawMessage) entries {
	t.Helper()
	var got []entries
	callMemo(t, r, id, map[string]any{"groups": [][]json.RawMessage{envs}}, &got)
	if len(got) != 1 {
		t.Fatalf("%d results for one group", len(got))
	}
	return got[0]
}

// conglomerateCold conglomerates envs from an empty memo: on rc after clearing its caches.
// The memo lives in lib/meta.js, which every instance of the widget shares on a runtime
// (a widget's imports are evaluated once per widget version and runtime), so a fresh
// instance is no longer a fresh memo; rc is a runtime of its own, so the memo under test
// keeps what it holds.
func conglomerateCold(t testing.TB, rc *runtime.Runtime, envs []json.RawMessage) entries {
	t.Helper()
	var got []entries
	callMemo(t, rc, 1, map[string]any{"clear": true, "groups": [][]json.RawMessage{envs}}, &got)
	if len(got) != 1 {
		t.Fatalf("%d results for one group", len(got))
	}
	return got[0]
}

// memoCorpus is every list of envelopes the memo is tested on: each
// conglomeration example, and the 372 meta fixtures in pages of a feed's
// size. The fixtures reuse msg_ids for different messages (copied from one
// test to another), which the archive never does (it is idempotent on
// msg_id): where a page of the meta fixtures repeats one, the repeat gets an
// id of its own. Examples keep theirs and run each in a module of its own.
func memoCorpus(t *testing.T) []memoCase {
	t.Helper()
	var out []memoCase
	for _, path := range []string{
		"../testdata/fedmsg/conglomerate_examples.jsonl",
		"testdata/meta/conglomerate_builds.jsonl",
		"testdata/meta/conglomerate_heldout.jsonl",
	} {
		for i, ex := range readJSONL[congExample](t, path) {
			out = append(out, memoCase{fmt.Sprintf("%s/%d %s", filepath.Base(path), i, ex.Source.Class), ex.Originals})
		}
	}
	envs := uniqueIDs(t, metaEnvelopes(t))
	const rows = 60
	for i := 0; i < len(envs); i += rows {
		out = append(out, memoCase{fmt.Sprintf("meta_examples/%d-%d", i, min(i+rows, len(envs))), envs[i:min(i+rows, len(envs))]})
	}
	return out
}

// memoCase is one list of envelopes to conglomerate.
type memoCase struct {
	name string
	envs []json.RawMessage
}

// metaEnvelopes are the 372 fixture envelopes of meta_examples.jsonl.
func metaEnvelopes(t testing.TB) []json.RawMessage {
	t.Helper()
	recs := readJSONL[metaRecord](t, "../testdata/fedmsg/meta_examples.jsonl")
	envs := make([]json.RawMessage, len(recs))
	now := time.Now().UTC()
	for i := range recs {
		fillDynamic(t, &recs[i], now)
		envs[i] = recs[i].Msg
	}
	return envs
}

// uniqueIDs gives every repeat of a msg_id an id of its own ("<id>#<n>").
func uniqueIDs(t testing.TB, envs []json.RawMessage) []json.RawMessage {
	t.Helper()
	seen := map[string]int{}
	out := make([]json.RawMessage, len(envs))
	for i, raw := range envs {
		out[i] = raw
		var env map[string]any
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatal(err)
		}
		id, ok := env["msg_id"].(string)
		if !ok {
			continue
		}
		seen[id]++
		if seen[id] == 1 {
			continue
		}
		env["msg_id"] = fmt.Sprintf("%s#%d", id, seen[id])
		b, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

// TestMetaMemoTwice: conglomerating the same envelopes again in the same
// module (the second time from the memo) gives the same entries as the
// first time, from an empty memo, did.
func TestMetaMemoTwice(t *testing.T) {
	r := memoRuntime(t)
	id := int64(1000)
	for _, c := range memoCorpus(t) {
		name, envs := c.name, c.envs
		t.Run(name, func(t *testing.T) {
			id++
			cold := conglomerateCold(t, r, envs)
			warm := conglomerateIn(t, r, id, envs)
			if len(cold) == 0 {
				t.Fatal("no entries")
			}
			if !reflect.DeepEqual(cold, warm) {
				t.Errorf("second call differs:\nfirst  %s\nsecond %s", mustJSON(cold), mustJSON(warm))
			}
		})
	}
}

// TestMetaMemoNewerMessage: a rebuild that finds one message more than the
// last (a feed's usual rebuild) gives what an empty memo gives for the
// same list, whatever the memo held.
func TestMetaMemoNewerMessage(t *testing.T) {
	r, rc := memoRuntime(t), memoRuntime(t)
	id := int64(2000)
	for _, c := range memoCorpus(t) {
		name, envs := c.name, c.envs
		if len(envs) < 2 {
			continue
		}
		t.Run(name, func(t *testing.T) {
			id++
			warmID := id
			// The memo is the widget's, shared by its instances: emptied first, so that it
			// holds this case's older messages and not the other cases' (the examples reuse
			// msg_ids, topics and times for different messages, which the archive never does).
			conglomerateCold(t, r, envs[1:])
			warm := conglomerateIn(t, r, warmID, envs)
			cold := conglomerateCold(t, rc, envs)
			if !reflect.DeepEqual(cold, warm) {
				t.Errorf("with the memo of the older messages:\n%s\nfresh:\n%s", mustJSON(warm), mustJSON(cold))
			}
		})
	}
	// A feed page sliding over the fixtures one new message at a time, as
	// the memo and its bound see it over many rebuilds.
	t.Run("sliding page", func(t *testing.T) {
		envs := uniqueIDs(t, metaEnvelopes(t))
		const rows = 60
		slideID := id + 1
		id++
		for k := len(envs) - rows; k >= 0; k-- {
			warm := conglomerateIn(t, r, slideID, envs[k:k+rows])
			if k%25 != 0 {
				continue
			}
			if cold := conglomerateCold(t, rc, envs[k:k+rows]); !reflect.DeepEqual(cold, warm) {
				t.Fatalf("page at %d differs from a fresh module's:\n%s\nfresh:\n%s", k, mustJSON(warm), mustJSON(cold))
			}
		}
	})
}

// TestMetaMemoKeyIsTheMessage: the memo knows a message by its msg_id, topic and time
// together: recorded sets (the fixtures, a replay) reuse msg_ids for other messages, and
// every feed of a runtime shares the memo, so a message under a known msg_id but another
// topic or time is described afresh.
func TestMetaMemoKeyIsTheMessage(t *testing.T) {
	r := memoRuntime(t)
	env := func(topic string, ts int, agent string) map[string]any {
		return map[string]any{"msg_id": "2016-dddd", "topic": "org.fedoraproject.prod.nosuchservice." + topic,
			"timestamp": ts, "msg": map[string]any{"agent": agent}}
	}
	steps := []struct {
		env  map[string]any
		want string
	}{
		{env("a.happened", 1457538778, "alice"), "alice"},
		{env("b.happened", 1457538778, "bob"), "bob"},     // another topic
		{env("a.happened", 1457538779, "carol"), "carol"}, // another time
		{env("a.happened", 1457538778, "dave"), "alice"},  // the first message again: remembered
	}
	for i, st := range steps {
		var got []entries
		callMemo(t, r, int64(7000+i), map[string]any{"groups": []any{[]any{st.env}}}, &got)
		if u := got[0][0]["usernames"]; !reflect.DeepEqual(u, []any{st.want}) {
			t.Errorf("step %d: usernames %v, want [%s]", i, u, st.want)
		}
	}
}

// TestMetaMemoKeys: what is remembered and what empties the memo. The
// memo trusts that one msg_id is one message (the archive's rule), so a
// second, different message under a remembered msg_id shows the first one's
// usernames: that is how the test sees a memo hit.
func TestMetaMemoKeys(t *testing.T) {
	r := memoRuntime(t)
	env := func(id any, agent string) map[string]any {
		e := map[string]any{
			"topic":     "org.fedoraproject.prod.nosuchservice.thing.happened",
			"timestamp": 1457538778,
			"msg":       map[string]any{"agent": agent},
		}
		if id != nil {
			e["msg_id"] = id
		}
		return e
	}
	cases := []struct {
		name    string
		id      any            // the msg_id of both calls' message (nil: none)
		between map[string]any // a data() config run between the two calls
		want    string         // the second call's username
	}{
		{"string msg_id remembered", "2016-aaaa", nil, "alice"},
		{"no msg_id", nil, nil, "bob"},
		{"number msg_id", 42, nil, "bob"},
		{"empty msg_id", "", nil, "bob"},
		{"clearCaches empties the memo", "2016-bbbb", map[string]any{"clear": true}, "bob"},
		{"setAccounts empties the memo", "2016-cccc", map[string]any{"accounts": map[string]string{"nick": "someone"}}, "bob"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := int64(3000 + i)
			var got []entries
			callMemo(t, r, id, map[string]any{"groups": []any{[]any{env(c.id, "alice")}}}, &got)
			if u := got[0][0]["usernames"]; !reflect.DeepEqual(u, []any{"alice"}) {
				t.Fatalf("first call: usernames %v, want [alice]", u)
			}
			if c.between != nil {
				var ignored any
				callMemo(t, r, id, c.between, &ignored)
			}
			callMemo(t, r, id, map[string]any{"groups": []any{[]any{env(c.id, "bob")}}}, &got)
			if u := got[0][0]["usernames"]; !reflect.DeepEqual(u, []any{c.want}) {
				t.Errorf("second call: usernames %v, want [%s]", u, c.want)
			}
		})
	}
}

// TestMetaMemoBound: the memo holds a bounded number of answers (two
// generations of 1,024 in lib/meta/util.js): a message described before 1,000
// newer ones is still remembered, one described before 3,000 is not. The memo is
// the widget's (its imports are shared by its instances), so each case names its
// message apart.
func TestMetaMemoBound(t *testing.T) {
	r := memoRuntime(t)
	env := func(id, agent string) map[string]any {
		return map[string]any{
			"topic":  "org.fedoraproject.prod.nosuchservice.thing.happened",
			"msg_id": id,
			"msg":    map[string]any{"agent": agent},
		}
	}
	cases := []struct {
		newer int
		want  string
	}{
		{1000, "alice"},
		{3000, "bob"},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%d newer", c.newer), func(t *testing.T) {
			id := int64(6000 + i)
			var got []entries
			old := fmt.Sprintf("old-%d", i)
			callMemo(t, r, id, map[string]any{"groups": []any{[]any{env(old, "alice")}}}, &got)
			for from := 0; from < c.newer; from += 500 { // 500 a call: data() returns every entry
				newer := make([]any, min(500, c.newer-from))
				for k := range newer {
					newer[k] = env(fmt.Sprintf("new-%d-%d", i, from+k), "carol")
				}
				callMemo(t, r, id, map[string]any{"groups": []any{newer}}, &got)
			}
			callMemo(t, r, id, map[string]any{"groups": []any{[]any{env(old, "bob")}}}, &got)
			if u := got[0][0]["usernames"]; !reflect.DeepEqual(u, []any{c.want}) {
				t.Errorf("usernames %v, want [%s]", u, c.want)
			}
		})
	}
}

// TestMetaMemoCallerChanges: a caller that changes every entry conglomerate
// handed it (arrays pushed to and reordered, text replaced) changes nothing
// the next call returns: remembered answers are never handed out.
func TestMetaMemoCallerChanges(t *testing.T) {
	r := memoRuntime(t)
	id := int64(4000)
	for _, c := range memoCorpus(t) {
		name, envs := c.name, c.envs
		t.Run(name, func(t *testing.T) {
			id++
			var got []struct{ Before, After entries }
			callMemo(t, r, id, map[string]any{"groups": [][]json.RawMessage{envs}, "vandalise": true}, &got)
			if len(got) != 1 || len(got[0].Before) == 0 {
				t.Fatalf("no entries: %s", mustJSON(got))
			}
			if !reflect.DeepEqual(got[0].Before, got[0].After) {
				t.Errorf("after the caller changed the first call's entries:\n%s\nbefore:\n%s", mustJSON(got[0].After), mustJSON(got[0].Before))
			}
		})
	}
}

// BenchmarkFeedRebuild measures the feed widget's share of a rebuild that
// is conglomerate() over its page (60 messages, the default 20 rows times
// three, of which the first 20 entries are built), one data() call per
// iteration, in one instance's module:
//   - memo: one new message on top of the last rebuild's page, the usual
//     rebuild after a bus message;
//   - fresh: every message of the page new (each copied under a new msg_id,
//     which costs too): the memo's worst case, every answer described again
//     (the avatar cache is warm in both).
func BenchmarkFeedRebuild(b *testing.B) {
	r := memoRuntime(b, runtime.WithLimits(runtime.Limits{Invalidate: time.Second, Data: time.Minute}))
	envs := metaEnvelopes(b)
	const rows = 60
	for i, mode := range []string{"memo", "fresh"} {
		b.Run(mode, func(b *testing.B) {
			id := int64(5000 + i)
			var n int
			callMemo(b, r, id, map[string]any{"load": envs}, &n)
			if n != len(envs) {
				b.Fatalf("loaded %d of %d envelopes", n, len(envs))
			}
			step := map[string]any{"rebuild": true, "rows": rows, "show": rows / 3, "fresh": mode == "fresh"}
			for range rows { // fill the page, warm the caches
				callMemo(b, r, id, step, &n)
			}
			if n == 0 {
				b.Fatal("no entries")
			}
			b.ResetTimer()
			cpu0 := processCPU()
			for range b.N {
				callMemo(b, r, id, step, &n)
			}
			b.ReportMetric(float64(b.N)/(processCPU()-cpu0).Seconds(), "rebuilds/cpu-s")
		})
	}
}
