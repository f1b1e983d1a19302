package engine

import (
	"slices"

	"hubs/runtime"
)

// index finds the widget instances a bus message can concern, from the hints they declared:
// by short topic, by category, by username, plus the instances with no hint at all (which
// every message concerns). It is the original Fedora Hubs' checks_by_topic /
// checks_by_category / checks_by_username, kept up to date instance by instance instead of
// rebuilt from the database on every hubs message. Not safe for concurrent use: the
// engine guards it.
type index struct {
	byTopic    map[string]idSet
	byCategory map[string]idSet
	byUser     map[string]idSet
	noHints    idSet
	hints      map[int64]entryHints // what each instance is indexed under, to remove it
}

type idSet map[int64]struct{}

// entryHints is what one instance was indexed under.
type entryHints struct {
	hub   string
	hints runtime.Hints
}

func newIndex() *index {
	return &index{byTopic: map[string]idSet{}, byCategory: map[string]idSet{}, byUser: map[string]idSet{},
		noHints: idSet{}, hints: map[int64]entryHints{}}
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

// put indexes instance id (on hub) under h, replacing what it was indexed under before.
func (x *index) put(id int64, hub string, h runtime.Hints) {
	x.remove(id)
	x.hints[id] = entryHints{hub: hub, hints: h}
	if len(h.Topics) == 0 && len(h.Categories) == 0 && len(h.Usernames) == 0 {
		x.noHints[id] = struct{}{}
		return
	}
	for _, t := range h.Topics {
		add(x.byTopic, t, id)
	}
	for _, c := range h.Categories {
		add(x.byCategory, c, id)
	}
	for _, u := range h.Usernames {
		add(x.byUser, u, id)
	}
}

// remove forgets instance id.
func (x *index) remove(id int64) {
	old, ok := x.hints[id]
	if !ok {
		return
	}
	delete(x.hints, id)
	delete(x.noHints, id)
	for _, t := range old.hints.Topics {
		del(x.byTopic, t, id)
	}
	for _, c := range old.hints.Categories {
		del(x.byCategory, c, id)
	}
	for _, u := range old.hints.Usernames {
		del(x.byUser, u, id)
	}
}

// candidates appends to out (sorted, without repeats) the instances a message on
// shortTopic / category about usernames can concern. With onlyHub set (the engine's own
// hubs.* messages, which are about one hub), the topic, category and hint-less matches
// are limited to instances on that hub: otherwise every widget that listens to
// hubs.widget.update, as the original's did, would run shouldInvalidate on every hub for
// every config saved anywhere. Username matches are never limited.
func (x *index) candidates(shortTopic, category string, usernames []string, onlyHub string, out []int64) []int64 {
	out = out[:0]
	keep := func(s idSet) {
		for id := range s {
			if onlyHub == "" || x.hints[id].hub == onlyHub {
				out = append(out, id)
			}
		}
	}
	keep(x.byTopic[shortTopic])
	keep(x.byCategory[category])
	keep(x.noHints)
	for _, u := range usernames {
		for id := range x.byUser[u] {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (x *index) len() int { return len(x.hints) }
