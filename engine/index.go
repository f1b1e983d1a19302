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
//
// Its tables hold numbers, not strings: an index of 140,000 instances kept as strings and
// string slices was 45 MB and 344,000 objects of pointers that every collection had to
// trace, 100 of its 166 ms of marking (BenchmarkGCMark). Strings are interned (strs), each
// distinct hint set is kept once (sets; a user hub's widgets share their person's), and
// entries, the biggest table, has no pointer in it, so the collector skips it whole.
type index struct {
	strs       interner
	sets       hintTable
	entries    map[int64]indexed // what each instance is indexed under, to check and remove it
	byUser     map[uint32]ids    // by interned username
	byHub      map[uint32]ids    // by interned hub name
	byTopic    map[uint32]ids
	byCategory map[uint32]ids
	noHints    ids
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

// ids is a set of instance ids: a slice while it is small (one object, where most keys,
// a person or a hub, have a handful of instances), a map once it outgrows idsListMax, so
// that removing one from a key every hub shares stays constant time.
type ids struct {
	list []int64
	set  map[int64]struct{}
}

const idsListMax = 64

func (s *ids) add(id int64) {
	if s.set != nil {
		s.set[id] = struct{}{}
		return
	}
	if slices.Contains(s.list, id) {
		return
	}
	s.list = append(s.list, id)
	if len(s.list) > idsListMax {
		s.set = make(map[int64]struct{}, 2*len(s.list))
		for _, x := range s.list {
			s.set[x] = struct{}{}
		}
		s.list = nil
	}
}

func (s *ids) remove(id int64) {
	if s.set != nil {
		delete(s.set, id)
		return
	}
	if i := slices.Index(s.list, id); i >= 0 {
		last := len(s.list) - 1
		s.list[i] = s.list[last]
		s.list = s.list[:last]
	}
}

func (s ids) len() int { return len(s.list) + len(s.set) }

// each calls f for every id, in no particular order.
func (s ids) each(f func(int64)) {
	for _, id := range s.list {
		f(id)
	}
	for id := range s.set {
		f(id)
	}
}

func addID(m map[uint32]ids, key uint32, id int64) {
	s := m[key]
	s.add(id)
	m[key] = s
}

func dropID(m map[uint32]ids, key uint32, id int64) {
	s, ok := m[key]
	if !ok {
		return
	}
	if s.remove(id); s.len() == 0 {
		delete(m, key)
		return
	}
	m[key] = s
}

// indexed is what one instance was indexed under: interned hub and widget name, and its
// hint set in the index's hintTable.
type indexed struct {
	hub, name, hints uint32
}

func newIndex() *index {
	return &index{strs: newInterner(), sets: hintTable{byKey: map[string]uint32{}},
		entries: map[int64]indexed{}, byUser: map[uint32]ids{}, byHub: map[uint32]ids{},
		byTopic: map[uint32]ids{}, byCategory: map[uint32]ids{}, ownUsers: map[string]*ownUsers{}}
}

// put indexes instance id (of widget name, on hub) under h, replacing what it was indexed
// under before.
func (x *index) put(id int64, hub, name string, h runtime.Hints) {
	x.remove(id)
	e := indexed{hub: x.strs.ref(hub), name: x.strs.ref(name), hints: x.sets.ref(&x.strs, h)}
	x.entries[id] = e
	addID(x.byHub, e.hub, id)
	if h.MessageUsernames {
		o := x.ownUsers[name]
		if o == nil {
			o = &ownUsers{}
			x.ownUsers[name] = o
		}
		o.instances++
		o.hints = runtime.Hints{Topics: h.Topics, Categories: h.Categories}
	}
	if m, keys := x.filing(&x.sets.sets[e.hints]); m != nil {
		for _, k := range keys {
			addID(m, k, id)
		}
	} else {
		x.noHints.add(id)
	}
}

// filing is where an instance with hint set h is filed: the table and its keys, or nil for
// the hint-less set.
func (x *index) filing(h *hintSet) (map[uint32]ids, []uint32) {
	switch {
	case len(h.usernames()) > 0:
		return x.byUser, h.usernames()
	case len(h.topics()) > 0:
		return x.byTopic, h.topics()
	case len(h.categories()) > 0:
		return x.byCategory, h.categories()
	}
	return nil, nil
}

// remove forgets instance id.
func (x *index) remove(id int64) {
	e, ok := x.entries[id]
	if !ok {
		return
	}
	delete(x.entries, id)
	dropID(x.byHub, e.hub, id)
	name := x.strs.str(e.name)
	set := &x.sets.sets[e.hints]
	if o := x.ownUsers[name]; set.ownUsers && o != nil {
		if o.instances--; o.instances <= 0 {
			delete(x.ownUsers, name)
		}
	}
	if m, keys := x.filing(set); m != nil {
		for _, k := range keys {
			dropID(m, k, id)
		}
	} else {
		x.noHints.remove(id)
	}
	x.sets.unref(&x.strs, e.hints)
	x.strs.unref(e.hub)
	x.strs.unref(e.name)
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
	// The message in the index's numbers: a string it never interned is in no hint, so it
	// satisfies no constraint that names one.
	topic, topicOK := x.strs.lookup(shortTopic)
	cat, catOK := x.strs.lookup(category)
	users := x.strs.lookupAll(usernames, nil)
	var ownIDs map[uint32][]uint32 // by interned widget name
	if len(own) > 0 {
		ownIDs = make(map[uint32][]uint32, len(own))
		for name, us := range own {
			if n, ok := x.strs.lookup(name); ok {
				ownIDs[n] = x.strs.lookupAll(us, nil)
			}
		}
	}
	keep := func(id int64, anyUser bool) {
		e, ok := x.entries[id]
		if !ok {
			return
		}
		us := users
		if o, ok := ownIDs[e.name]; ok {
			us = o
		}
		if x.sets.sets[e.hints].matches(topic, topicOK, cat, catOK, us, anyUser) {
			out = append(out, id)
		}
	}
	keepAll := func(s ids, anyUser bool) {
		s.each(func(id int64) { keep(id, anyUser) })
	}
	if onlyHub != "" {
		if h, ok := x.strs.lookup(onlyHub); ok {
			keepAll(x.byHub[h], true)
		}
	} else {
		if topicOK {
			keepAll(x.byTopic[topic], false)
		}
		if catOK {
			keepAll(x.byCategory[cat], false)
		}
		keepAll(x.noHints, false)
	}
	for _, u := range users {
		keepAll(x.byUser[u], false)
	}
	for _, us := range ownIDs {
		for _, u := range us {
			if !slices.Contains(users, u) {
				keepAll(x.byUser[u], false)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (x *index) len() int { return len(x.entries) }
