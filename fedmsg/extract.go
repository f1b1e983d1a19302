package fedmsg

import (
	"encoding/json"
	"errors"
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
	// Only the fields looked at are decoded: the rest of the payload (often most of it) is
	// skipped instead of built into maps. Fields whose type varies between services are any.
	var msg struct {
		Agent    any `json:"agent"`
		User     any `json:"user"`
		Owner    any `json:"owner"`
		Username any `json:"username"`
		Update   struct {
			User   any `json:"user"`
			Builds []struct {
				NVR string `json:"nvr"`
			} `json:"builds"`
		} `json:"update"`
		Comment struct {
			User any `json:"user"`
		} `json:"comment"`
		Package  any `json:"package"`
		Packages any `json:"packages"`
		Build    struct {
			Name any `json:"name"`
		} `json:"build"`
		Name    any `json:"name"`
		Version any `json:"version"`
		Release any `json:"release"`
	}
	if len(env.Msg) == 0 || env.Msg[0] != '{' {
		// Not an object (Parse accepts any non-null msg): nothing to find.
		return nil, nil, nil
	}
	// A field of another type than expected here (an update that is a string, say) is
	// skipped by Unmarshal, which fills in the rest and reports the first such mismatch:
	// that is not an error for a best-effort extractor.
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(env.Msg, &msg); err != nil && !errors.As(err, &typeErr) {
		return nil, nil, fmt.Errorf("decode msg of %s: %w", env.MsgID, err)
	}
	var users, pkgs []string
	addUser := func(v any) { users = appendNames(users, v, "username", "name") }
	addPkg := func(v any) { pkgs = appendNames(pkgs, v, "name") }

	for _, v := range []any{msg.Agent, msg.User, msg.Owner, msg.Username} {
		addUser(v)
	}
	addUser(msg.Update.User)
	addUser(msg.Comment.User)
	addPkg(msg.Package)
	addPkg(msg.Packages)
	addPkg(msg.Build.Name)
	for _, b := range msg.Update.Builds {
		if b.NVR != "" {
			pkgs = appendNonEmpty(pkgs, nameOfNVR(b.NVR))
		}
	}
	// Koji build messages carry the package as name/version/release at the top level.
	if name, ok := msg.Name.(string); ok {
		_, v := msg.Version.(string)
		_, r := msg.Release.(string)
		if v && r {
			pkgs = appendNonEmpty(pkgs, name)
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
