package fedmsg

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Extractor finds the usernames and packages a message is about, for the archive and the
// engine's hint index. The engine plugs in the widgets' JavaScript port of fedmsg.meta;
// when it fails, intake logs the error and falls back to DefaultExtractor.
type Extractor func(env *Envelope) (usernames, packages []string, err error)

// DefaultExtractor reads the fields most Fedora services use for who did it and to what:
// msg.agent, msg.user(.username|.name), msg.owner, msg.username, msg.update.user.name,
// msg.comment.user.name for people; msg.package(.name), msg.packages, msg.build.name,
// msg.update.builds[].nvr, and a Koji-style name+version+release for packages.
// It is a fallback that knows no service in particular: the meta helper knows each one.
// Results are sorted and free of duplicates; a payload that is not a JSON object has none.
func DefaultExtractor(env *Envelope) (usernames, packages []string, err error) {
	var msg map[string]any
	if err := json.Unmarshal(env.Msg, &msg); err != nil {
		// Not an object (Parse accepts any non-null msg): nothing to find, and not an error
		// worth logging for every such message.
		var probe any
		if json.Unmarshal(env.Msg, &probe) == nil {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("decode msg of %s: %w", env.MsgID, err)
	}
	var users, pkgs []string
	addUser := func(v any) { users = appendNames(users, v, "username", "name") }
	addPkg := func(v any) { pkgs = appendNames(pkgs, v, "name") }

	for _, k := range []string{"agent", "user", "owner", "username"} {
		addUser(msg[k])
	}
	for _, parent := range []string{"update", "comment"} {
		if obj, ok := msg[parent].(map[string]any); ok {
			addUser(obj["user"])
		}
	}
	addPkg(msg["package"])
	addPkg(msg["packages"])
	if build, ok := msg["build"].(map[string]any); ok {
		addPkg(build["name"])
	}
	if update, ok := msg["update"].(map[string]any); ok {
		if builds, ok := update["builds"].([]any); ok {
			for _, b := range builds {
				if b, ok := b.(map[string]any); ok {
					if nvr, ok := b["nvr"].(string); ok {
						pkgs = appendNonEmpty(pkgs, nameOfNVR(nvr))
					}
				}
			}
		}
	}
	// Koji build messages carry the package as name/version/release at the top level.
	if name, ok := msg["name"].(string); ok {
		if _, v := msg["version"].(string); v {
			if _, r := msg["release"].(string); r {
				pkgs = appendNonEmpty(pkgs, name)
			}
		}
	}
	return sortedSet(users), sortedSet(pkgs), nil
}

// appendNames adds v to dst when it is a name: a string, a list of them, or an object whose
// first present key among keys is a string.
func appendNames(dst []string, v any, keys ...string) []string {
	switch v := v.(type) {
	case string:
		return appendNonEmpty(dst, v)
	case []any:
		for _, e := range v {
			dst = appendNames(dst, e, keys...)
		}
	case map[string]any:
		for _, k := range keys {
			if s, ok := v[k].(string); ok {
				return appendNonEmpty(dst, s)
			}
		}
	}
	return dst
}

func appendNonEmpty(dst []string, s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return dst
	}
	return append(dst, s)
}

// nameOfNVR is the package name of a name-version-release: "gnome-shell-3.24.2-1.fc26" ->
// "gnome-shell". An nvr with fewer than two dashes is returned as is.
func nameOfNVR(nvr string) string {
	i := strings.LastIndexByte(nvr, '-')
	if i <= 0 {
		return nvr
	}
	j := strings.LastIndexByte(nvr[:i], '-')
	if j <= 0 {
		return nvr
	}
	return nvr[:j]
}

func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	slices.Sort(s)
	return slices.Compact(s)
}
