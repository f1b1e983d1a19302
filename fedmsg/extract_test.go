package fedmsg

import (
	"slices"
	"testing"
)

func TestDefaultExtractor(t *testing.T) {
	for _, tc := range []struct {
		name        string
		msg         string
		users, pkgs []string
	}{
		{"agent string", `{"agent": "dgilmore"}`, []string{"dgilmore"}, nil},
		{"agent list", `{"agent": ["a", "b", "a"]}`, []string{"a", "b"}, nil},
		{"user object", `{"user": {"username": "ralph"}}`, []string{"ralph"}, nil},
		{"user object with name", `{"user": {"name": "ralph"}}`, []string{"ralph"}, nil},
		{"owner and username", `{"owner": "o", "username": "u"}`, []string{"o", "u"}, nil},
		{"bodhi update", `{"update": {"user": {"name": "lmacken"}, "builds": [{"nvr": "gnome-shell-3.24.2-1.fc26"}, {"nvr": "mutter-3.24.2-1.fc26"}]}}`,
			[]string{"lmacken"}, []string{"gnome-shell", "mutter"}},
		{"bodhi comment", `{"comment": {"user": {"name": "bob"}}}`, []string{"bob"}, nil},
		{"package string and object", `{"package": "nethack", "packages": [{"name": "tmux"}, "vim"]}`, nil, []string{"nethack", "tmux", "vim"}},
		{"package object", `{"package": {"name": "php-zmq"}}`, nil, []string{"php-zmq"}},
		{"koji build", `{"name": "kernel", "version": "4.1", "release": "1.fc22", "owner": "jwboyer"}`, []string{"jwboyer"}, []string{"kernel"}},
		{"name alone is not a package", `{"name": "valgrind"}`, nil, nil},
		{"blank and wrong types ignored", `{"agent": " ", "user": 3, "package": null}`, nil, nil},
		{"payload not an object", `"just a string"`, nil, nil},
		{"field of an unexpected type", `{"update": "oops", "build": 7, "agent": "x", "package": "p"}`, []string{"x"}, []string{"p"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users, pkgs, err := DefaultExtractor(&Envelope{Msg: []byte(tc.msg)})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(users, tc.users) || !slices.Equal(pkgs, tc.pkgs) {
				t.Errorf("got %q %q, want %q %q", users, pkgs, tc.users, tc.pkgs)
			}
		})
	}
}

// On real messages the default extractor agrees with fedmsg.meta's expected usernames for
// the common shapes (agent as a string here).
func TestDefaultExtractorOnFixtures(t *testing.T) {
	want := map[string][]string{
		"org.fedoraproject.prod.git.pkgdb2branch.complete": {"limburgher"},
		"org.fedoraproject.prod.git.mass_branch.complete":  {"dgilmore"},
		"org.fedoraproject.prod.git.branch":                {"limburgher"},
	}
	seen := 0
	for _, f := range loadFixtures(t) {
		w, ok := want[f.topic]
		if !ok {
			continue
		}
		seen++
		env, err := Parse(f.frames())
		if err != nil {
			t.Fatal(err)
		}
		users, _, err := DefaultExtractor(env)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(users, w) {
			t.Errorf("%s: users %q, want %q", f.topic, users, w)
		}
	}
	if seen < len(want) {
		t.Fatalf("found %d of %d fixtures", seen, len(want))
	}
}
