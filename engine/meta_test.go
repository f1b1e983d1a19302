package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"hubs/fedmsg"
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
	defer m.Close()
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
