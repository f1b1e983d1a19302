package engine

import (
	"slices"

	"hubs/runtime"
)

// index finds the widget instances a bus message can concern, from the hints they declared.
// Hints are constraints, AND-ed: an instance is a candidate for a message iff
//
//	(it declares no topics OR the message's short topic is one of them) AND
//	(it declares no categories OR the message's category is one of them) AND
//	(its usernames hint is empty OR it names one of the message's usernames)
//
// so an instance with no hint at all is a candidate for everything. A per-user widget can
// thus hint the topics it cares about as well as its person, and be asked only about those
// topics naming that person (the original Fedora Hubs took the union, which made a widget
// hinting a topic and a username a candidate on every hub for every message of the topic).
//
// Each instance is filed under its most selective key only (a username when its usernames
// hint is not empty, else a topic, else a category, else the hint-less set); the other
// constraints are checked on the candidates that key gives. The instances of each hub are
// filed by hub too, for the engine's own hubs.* messages (see candidates). Not safe for
// concurrent use: the engine guards it.
type index struct {
	byUser     map[string]idSet
	byTopic    map[string]idSet
	byCategory map[string]idSet
	noHints    idSet
	byHub      map[string]idSet
	entries    map[int64]entryHints // what each instance is indexed under, to check and remove it
	// ownUsers counts, per widget that names a message's people itself
	// (hints.messageUsernames), its indexed instances, with the widget's topics and
	// categories: the engine asks those widgets about a message their hints let through.
	ownUsers map[string]*ownUsers
}

// ownUsers is one widget with hints.messageUsernames in the index.
type ownUsers struct {
	instances int
	hints     runtime.Hints // topics and categories, the same for every instance
}

type idSet map[int64]struct{}

// entryHints is what one instance was indexed under.
type entryHints struct {
	hub   string
	name  string // the widget
	hints runtime.Hints
}

func newIndex() *index {
	return &index{byUser: map[string]idSet{}, byTopic: map[string]idSet{}, byCategory: map[string]idSet{},
		noHints: idSet{}, byHub: map[string]idSet{}, entries: map[int64]entryHints{}, ownUsers: map[string]*ownUsers{}}
}

func add(m map[string]idSet, key string, id int64) {
	s := m[key]
	if s == nil {
		s = idSet{}
		m[key] = s
	}
	s[id] = struct{}{}
}

func del(m map[string]idSet, key string, id int64) {
	if s := m[key]; s != nil {
		delete(s, id)
		if len(s) == 0 {
			delete(m, key)
		}
	}
}

// keys is where an instance with hints h is filed: the set map and its keys, or nil for
// the hint-less set.
func (x *index) keys(h runtime.Hints) (map[string]idSet, []string) {
	switch {
	case len(h.Usernames) > 0:
		return x.byUser, h.Usernames
	case len(h.Topics) > 0:
		return x.byTopic, h.Topics
	case len(h.Categories) > 0:
		return x.byCategory, h.Categories
	}
	return nil, nil
}

// put indexes instance id (of widget name, on hub) under h, replacing what it was indexed
// under before.
func (x *index) put(id int64, hub, name string, h runtime.Hints) {
	x.remove(id)
	x.entries[id] = entryHints{hub: hub, name: name, hints: h}
	add(x.byHub, hub, id)
	if h.MessageUsernames {
		o := x.ownUsers[name]
		if o == nil {
			o = &ownUsers{}
			x.ownUsers[name] = o
		}
		o.instances++
		o.hints = runtime.Hints{Topics: h.Topics, Categories: h.Categories}
	}
	m, keys := x.keys(h)
	if m == nil {
		x.noHints[id] = struct{}{}
		return
	}
	for _, k := range keys {
		add(m, k, id)
	}
}

// remove forgets instance id.
func (x *index) remove(id int64) {
	old, ok := x.entries[id]
	if !ok {
		return
	}
	delete(x.entries, id)
	del(x.byHub, old.hub, id)
	if o := x.ownUsers[old.name]; old.hints.MessageUsernames && o != nil {
		if o.instances--; o.instances <= 0 {
			delete(x.ownUsers, old.name)
		}
	}
	m, keys := x.keys(old.hints)
	if m == nil {
		delete(x.noHints, id)
		return
	}
	for _, k := range keys {
		del(m, k, id)
	}
}

// matches says whether hints h let a message on shortTopic / category about usernames
// through; anyUser skips the usernames constraint.
func matches(h runtime.Hints, shortTopic, category string, usernames []string, anyUser bool) bool {
	if len(h.Topics) > 0 && !slices.Contains(h.Topics, shortTopic) {
		return false
	}
	if len(h.Categories) > 0 && !slices.Contains(h.Categories, category) {
		return false
	}
	if anyUser || len(h.Usernames) == 0 {
		return true
	}
	for _, u := range usernames {
		if slices.Contains(h.Usernames, u) {
			return true
		}
	}
	return false
}

// ownUsersWidgets appends to out the widgets with hints.messageUsernames whose topics and
// categories let a message on shortTopic / category through: the engine asks them which
// people the message concerns before it asks for candidates.
func (x *index) ownUsersWidgets(shortTopic, category string, out []string) []string {
	for name, o := range x.ownUsers {
		if matches(o.hints, shortTopic, category, nil, true) {
			out = append(out, name)
		}
	}
	return out
}

// candidates appends to out (sorted, without repeats) the instances a message on
// shortTopic / category about usernames can concern. own holds, for the widgets that name
// a message's people themselves (hints.messageUsernames), those people: their instances'
// usernames hints are matched against them instead of usernames.
//
// With onlyHub set (the engine's own hubs.* messages, which are about one hub), the
// candidates are the instances on that hub whose topics and categories let the message
// through, whatever their usernames hint (a config saved does not name the widget's
// person), plus the instances on any hub whose usernames hint names one of the message's
// usernames (a role changed on a team hub concerns that person's own hub too) and whose
// topics and categories let it through. So no widget that listens to hubs.widget.update
// runs shouldInvalidate on every hub for every config saved anywhere.
func (x *index) candidates(shortTopic, category string, usernames []string, own map[string][]string, onlyHub string, out []int64) []int64 {
	out = out[:0]
	keep := func(s idSet, anyUser bool) {
		for id := range s {
			e := x.entries[id]
			us := usernames
			if o, ok := own[e.name]; ok {
				us = o
			}
			if matches(e.hints, shortTopic, category, us, anyUser) {
				out = append(out, id)
			}
		}
	}
	if onlyHub != "" {
		keep(x.byHub[onlyHub], true)
	} else {
		keep(x.byTopic[shortTopic], false)
		keep(x.byCategory[category], false)
		keep(x.noHints, false)
	}
	for _, u := range usernames {
		keep(x.byUser[u], false)
	}
	for _, us := range own {
		for _, u := range us {
			if !slices.Contains(usernames, u) {
				keep(x.byUser[u], false)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (x *index) len() int { return len(x.entries) }
