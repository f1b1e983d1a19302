package engine

import (
	"encoding/binary"
	"slices"

	"hubs/runtime"
)

// interner numbers distinct strings, counting the references to each: the index keeps
// the numbers in tables without pointers. A number whose last reference goes is reused.
type interner struct {
	ids  map[string]uint32
	strs []string
	refs []int32
	free []uint32
}

func newInterner() interner { return interner{ids: map[string]uint32{}} }

// ref returns s's number, counting one more reference to it.
func (in *interner) ref(s string) uint32 {
	if id, ok := in.ids[s]; ok {
		in.refs[id]++
		return id
	}
	var id uint32
	if n := len(in.free); n > 0 {
		id, in.free = in.free[n-1], in.free[:n-1]
		in.strs[id], in.refs[id] = s, 1
	} else {
		id = uint32(len(in.strs))
		in.strs, in.refs = append(in.strs, s), append(in.refs, 1)
	}
	in.ids[s] = id
	return id
}

// unref drops one reference to id; the last forgets the string.
func (in *interner) unref(id uint32) {
	if in.refs[id]--; in.refs[id] > 0 {
		return
	}
	delete(in.ids, in.strs[id])
	in.strs[id] = ""
	in.free = append(in.free, id)
}

// lookup is s's number, if s is referenced.
func (in *interner) lookup(s string) (uint32, bool) {
	id, ok := in.ids[s]
	return id, ok
}

// lookupAll appends to out the numbers of those of ss that are referenced.
func (in *interner) lookupAll(ss []string, out []uint32) []uint32 {
	for _, s := range ss {
		if id, ok := in.ids[s]; ok {
			out = append(out, id)
		}
	}
	return out
}

func (in *interner) str(id uint32) string { return in.strs[id] }

// hintSet is one distinct set of hints, its strings interned: topics, then categories,
// then usernames in ids, each part sorted and without repeats.
type hintSet struct {
	ids                  []uint32
	nTopics, nCategories int32
	refs                 int32
	ownUsers             bool // hints.messageUsernames
}

func (s *hintSet) topics() []uint32     { return s.ids[:s.nTopics] }
func (s *hintSet) categories() []uint32 { return s.ids[s.nTopics : s.nTopics+s.nCategories] }
func (s *hintSet) usernames() []uint32  { return s.ids[s.nTopics+s.nCategories:] }

// matches is the index's rule (see index) in numbers: a message on topic / category
// (each ok only when interned) about users; anyUser skips the usernames constraint.
func (s *hintSet) matches(topic uint32, topicOK bool, category uint32, categoryOK bool, users []uint32, anyUser bool) bool {
	if t := s.topics(); len(t) > 0 && (!topicOK || !slices.Contains(t, topic)) {
		return false
	}
	if c := s.categories(); len(c) > 0 && (!categoryOK || !slices.Contains(c, category)) {
		return false
	}
	u := s.usernames()
	if anyUser || len(u) == 0 {
		return true
	}
	for _, id := range users {
		if slices.Contains(u, id) {
			return true
		}
	}
	return false
}

// hintTable keeps each distinct hint set once, counted, by its content: the instances of
// a user hub that hint their person share one.
type hintTable struct {
	byKey map[string]uint32
	sets  []hintSet
	free  []uint32
}

// ref returns the number of h's set, counting one more reference to it.
func (t *hintTable) ref(strs *interner, h runtime.Hints) uint32 {
	topics, categories, users := sortedSet(h.Topics), sortedSet(h.Categories), sortedSet(h.Usernames)
	key := hintKey(topics, categories, users, h.MessageUsernames)
	if id, ok := t.byKey[string(key)]; ok {
		t.sets[id].refs++
		return id
	}
	set := hintSet{ids: make([]uint32, 0, len(topics)+len(categories)+len(users)),
		nTopics: int32(len(topics)), nCategories: int32(len(categories)), refs: 1, ownUsers: h.MessageUsernames}
	for _, part := range [][]string{topics, categories, users} {
		for _, s := range part {
			set.ids = append(set.ids, strs.ref(s))
		}
	}
	var id uint32
	if n := len(t.free); n > 0 {
		id, t.free = t.free[n-1], t.free[:n-1]
		t.sets[id] = set
	} else {
		id = uint32(len(t.sets))
		t.sets = append(t.sets, set)
	}
	t.byKey[string(key)] = id
	return id
}

// unref drops one reference to set id; the last forgets it and its strings.
func (t *hintTable) unref(strs *interner, id uint32) {
	s := &t.sets[id]
	if s.refs--; s.refs > 0 {
		return
	}
	names := func(ids []uint32) []string {
		out := make([]string, len(ids))
		for i, n := range ids {
			out[i] = strs.str(n)
		}
		return out
	}
	delete(t.byKey, string(hintKey(names(s.topics()), names(s.categories()), names(s.usernames()), s.ownUsers)))
	for _, n := range s.ids {
		strs.unref(n)
	}
	*s = hintSet{}
	t.free = append(t.free, id)
}

// hintKey is the content of a hint set: each part's length, then each string's
// length and bytes, then the flag.
func hintKey(topics, categories, users []string, ownUsers bool) []byte {
	var b []byte
	for _, part := range [][]string{topics, categories, users} {
		b = binary.AppendUvarint(b, uint64(len(part)))
		for _, s := range part {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	if ownUsers {
		return append(b, 1)
	}
	return append(b, 0)
}

// sortedSet is l sorted without repeats (l itself when it already is).
func sortedSet(l []string) []string {
	for i := 1; i < len(l); i++ {
		if l[i-1] >= l[i] {
			return slices.Compact(slices.Sorted(slices.Values(l)))
		}
	}
	return l
}
