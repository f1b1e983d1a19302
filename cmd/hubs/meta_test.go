package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func metaArgs(extra ...string) []string {
	return append([]string{"--widgets-dir", "../../widgets", "--static-dir", "../../static"}, extra...)
}

func jsonLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestMetaCommand(t *testing.T) {
	var out bytes.Buffer
	if err := runMetaTo(context.Background(), &out, metaArgs("testdata/meta/messages.jsonl")); err != nil {
		t.Fatal(err)
	}
	got := jsonLines(t, out.Bytes())
	want, err := os.ReadFile("testdata/meta/expected.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	exp := jsonLines(t, want)
	if len(got) != len(exp) {
		t.Fatalf("%d output lines for %d messages", len(got), len(exp))
	}
	for i := range exp {
		t.Run(exp[i]["title"].(string), func(t *testing.T) {
			for k, v := range exp[i] {
				if !reflect.DeepEqual(got[i][k], v) {
					t.Errorf("%s: got %v, want %v", k, got[i][k], v)
				}
			}
			for _, k := range []string{"icon", "secondary_icon", "objects"} {
				if _, ok := got[i][k]; !ok {
					t.Errorf("no %s in %v", k, got[i])
				}
			}
		})
	}
}

// TestMetaCommandAccounts: --accounts resolves a person the message names by
// e-mail (Bugzilla's way) to their Fedora account.
func TestMetaCommandAccounts(t *testing.T) {
	dir := t.TempDir()
	msg := filepath.Join(dir, "bz.jsonl")
	env := `{"topic": "org.fedoraproject.prod.bugzilla.bug.new", "timestamp": 1, "msg": {"bug": {"id": 7, "summary": "crash", "component": "nethack", "product": "Fedora", "creator": "someone@example.com", "cc": [], "weburl": "https://bugzilla.redhat.com/show_bug.cgi?id=7"}}}`
	if err := os.WriteFile(msg, []byte(env+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	accounts := filepath.Join(dir, "accounts.json")
	if err := os.WriteFile(accounts, []byte(`{"_comment": "test", "someone@example.com": "someone"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		args     []string
		subtitle string
		users    []any
	}{
		{"without", metaArgs(msg), "someone@example.com filed a new bug RHBZ#7 'crash'", []any{}},
		{"with", metaArgs("--accounts", accounts, msg), "someone filed a new bug RHBZ#7 'crash'", []any{"someone"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := runMetaTo(context.Background(), &out, c.args); err != nil {
				t.Fatal(err)
			}
			got := jsonLines(t, out.Bytes())
			if len(got) != 1 || got[0]["subtitle"] != c.subtitle || !reflect.DeepEqual(got[0]["usernames"], c.users) {
				t.Fatalf("got %s, want subtitle %q and usernames %v", out.String(), c.subtitle, c.users)
			}
		})
	}
}

func TestMetaCommandConglomerate(t *testing.T) {
	var out bytes.Buffer
	if err := runMetaTo(context.Background(), &out, metaArgs("--conglomerate", "testdata/meta/bodhi_comments.jsonl")); err != nil {
		t.Fatal(err)
	}
	got := jsonLines(t, out.Bytes())
	if len(got) != 2 {
		t.Fatalf("3 comments, two on one update: want 2 entries, got %d: %s", len(got), out.String())
	}
	if s := got[0]["subtitle"]; s != "hreindl and volter commented on sqlite-3.8.6-2.fc20" {
		t.Errorf("group subtitle %q", s)
	}
	if ids := got[0]["msg_ids"].([]any); len(ids) != 2 {
		t.Errorf("group covers %d messages, want 2", len(ids))
	}
}

func TestMetaCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	good, err := os.ReadFile("testdata/meta/messages.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, append(good, []byte("{not json\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"malformed line", metaArgs(bad), "line 6"},
		{"missing file", metaArgs(filepath.Join(dir, "none.jsonl")), "no such file"},
		{"no meta.js", []string{"--widgets-dir", dir, "--static-dir", "../../static", "testdata/meta/messages.jsonl"}, "meta.js library"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := runMetaTo(context.Background(), &out, c.args)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got error %v, want one mentioning %q", err, c.want)
			}
			if out.Len() != 0 {
				t.Errorf("printed %q before failing", out.String())
			}
		})
	}
	t.Run("no file", func(t *testing.T) {
		if err := runMetaTo(context.Background(), &bytes.Buffer{}, metaArgs()); !errors.Is(err, errUsage) {
			t.Fatalf("got %v, want errUsage", err)
		}
	})
}
